//! `greenlight check RUN` on a terminal without items: a list of the
//! run's open manual items (or, for `uncheck`, the items people checked)
//! to tick with the space bar.

use crate::exit::Failure;
use crate::record::RunState;
use crate::term::printable;
use greenlight_run::outcome::Status;
use greenlight_run::plan::Handling;
use std::io::IsTerminal;

/// The items a person picks, as plan indices. Without a terminal (stdin
/// and stderr), a usage error that says how to name items instead.
pub fn pick(state: &RunState, checked: bool) -> Result<Vec<usize>, Failure> {
    let verb = if checked { "check" } else { "uncheck" };
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::usage(format!(
            "name the items to {verb}: IDs or lines (`greenlight {verb} {} L57 L60`), or --phase NAME \
             (on a terminal, `greenlight {verb} RUN` alone offers a list to pick from)",
            state.run_id
        )));
    }
    let choices = candidates(state, checked);
    if choices.is_empty() {
        eprintln!(
            "run {}: no {} item to {verb}",
            state.run_id,
            if checked {
                "open manual"
            } else {
                "person-checked"
            }
        );
        return Ok(Vec::new());
    }
    let labels: Vec<String> = choices
        .iter()
        .map(|&i| {
            let it = &state.plan.items[i];
            let phase = it.phase_title.as_deref().unwrap_or("");
            printable(&format!("L{:<5} {}  · {phase}", it.line, it.text)).into_owned()
        })
        .collect();
    let picked = dialoguer::MultiSelect::new()
        .with_prompt(format!(
            "{verb} which items of run {}? (space ticks, enter records, esc cancels)",
            state.run_id
        ))
        .items(&labels)
        .max_length(20)
        .interact_opt()
        .map_err(|e| Failure::usage(format!("the item list failed: {e}")))?;
    Ok(picked
        .unwrap_or_default()
        .into_iter()
        .map(|k| choices[k])
        .collect())
}

/// What the list offers: open manual items for `check`; items a person
/// checked for `uncheck`.
pub fn candidates(state: &RunState, checked: bool) -> Vec<usize> {
    let report = state.report();
    state
        .plan
        .items
        .iter()
        .enumerate()
        .filter(|(i, it)| {
            if checked {
                matches!(it.handling, Handling::Manual)
                    && it.reports
                    && report.items[*i].status == Status::Pending
            } else {
                state.people.checked.contains_key(&it.id)
            }
        })
        .map(|(i, _)| i)
        .collect()
}
