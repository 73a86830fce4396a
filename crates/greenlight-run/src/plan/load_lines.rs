//! Load lines (`ab`, `hey`, `wrk`, `oha`, `k6 run file.js`) and k6 script
//! blocks: taken out of a block and planned as load checks.

use super::build::{Builder, nobody_provided, one_line};
use super::types::*;
use crate::analyze::BlockAnalysis;
use crate::check::{Expectation, Target};
use crate::load_step;
use crate::profile::{Class, Profile};
use crate::subst;
use greenlight_load::LoadConfig;

/// A variable's value for a load step's URLs at planning time: the value
/// itself, or for a secret a `${NAME}` reference that is filled in only when
/// the step runs (so the plan never holds it).
fn plan_time_value(profile: &Profile, name: &str) -> Option<String> {
    profile.vars.get(name).map(|v| {
        if v.secret {
            format!("${{{name}}}")
        } else {
            v.value.clone()
        }
    })
}

/// A load line taken out of a block.
pub(super) struct PendingLoad {
    pub(super) line_offset: usize,
    pub(super) text: String,
    pub(super) tool: String,
    pub(super) config: LoadConfig,
    /// Why it cannot run (a variable nobody provided), if so.
    pub(super) blocked: Option<String>,
}

/// A block with its load lines taken out.
pub(super) struct SplitBlock {
    /// The other commands.
    pub(super) rest: BlockAnalysis,
    /// The block's script with the load lines neutralised.
    pub(super) script: String,
    pub(super) loads: Vec<PendingLoad>,
    /// Load lines greenlight does not understand, and why.
    pub(super) not_understood: Vec<String>,
}

impl Builder<'_> {
    /// Takes the `ab`/`hey`/`wrk`/`oha` lines greenlight understands out of
    /// a block: they become native load steps, and the block's own shell
    /// step (if it still needs one) no longer runs them. Lines not
    /// understood stay in the shell step, which runs the real tool only if
    /// it is installed and the class allows it.
    pub(super) fn split_load_lines(&self, analysis: BlockAnalysis, code: &str) -> SplitBlock {
        let mut lines: Vec<String> = code.split('\n').map(str::to_string).collect();
        let mut loads = Vec::new();
        let mut not_understood = Vec::new();
        let mut rest = analysis;
        rest.commands.retain(|c| {
            if c.inert {
                return true;
            }
            let text = subst::unprotect(&c.text);
            let lookup = |name: &str| plan_time_value(self.profile, name);
            let filled = subst::substitute(&text, &lookup).unwrap_or_else(|_| text.clone());
            let (tool, attempt) = if let Some(tool) = load_step::load_tool(&text) {
                let config = greenlight_load::recognise_command(&filled)
                    .map(|config| (config, None))
                    .map_err(|e| e.to_string());
                (tool, config)
            } else if let Some(run) = load_step::parse_k6_run(&filled) {
                ("k6", self.k6_file_config(&run))
            } else {
                return true;
            };
            match attempt {
                Ok((config, blocked)) => {
                    let mut end = c.line_offset;
                    while end < lines.len() && lines[end].trim_end().ends_with('\\') {
                        end += 1;
                    }
                    for l in c.line_offset..=end.min(lines.len().saturating_sub(1)) {
                        lines[l] = ": # greenlight runs this load line natively".into();
                    }
                    loads.push(PendingLoad {
                        line_offset: c.line_offset,
                        text,
                        tool: tool.to_string(),
                        config,
                        blocked,
                    });
                    false
                }
                Err(e) => {
                    not_understood.push(format!(
                        "`{}` {e}: it runs only through the real {tool}",
                        one_line(&text)
                    ));
                    true
                }
            }
        });
        if !loads.is_empty() {
            // The class is the most dangerous remaining command's.
            if let Some(c) = rest
                .commands
                .iter()
                .filter(|c| !c.inert)
                .max_by_key(|c| c.class)
            {
                rest.class = c.class;
                rest.decided_by = c.text.clone();
            } else {
                rest.class = Class::Read;
            }
        }
        SplitBlock {
            rest,
            script: lines.join("\n"),
            loads,
            not_understood,
        }
    }

    /// `k6 run FILE`: the script is read from beside the checklist and
    /// recognised like a k6 block; `-e NAME=VALUE` and `NAME=VALUE` in front
    /// of the command give its `__ENV`. Only a regular file inside the
    /// checklist's folder, within the size limit, is read
    /// ([`crate::contained::read_contained`]).
    pub(super) fn k6_file_config(
        &self,
        run: &load_step::K6Run,
    ) -> Result<(LoadConfig, Option<String>), String> {
        let run = run.as_ref().map_err(|e| format!("not understood: {e}"))?;
        let folder = std::path::Path::new(&self.plan.checklist)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let code = crate::contained::read_contained(folder, &run.file, load_step::MAX_SCRIPT_BYTES)
            .map_err(|e| format!("not read: {e}"))?;
        let script = greenlight_load::recognise_k6(&code).map_err(|e| e.to_string())?;
        Ok(self.resolve_k6(&script, &run.env))
    }

    /// A recognised k6 script's config with `__ENV` filled from `env` (the
    /// command line's), then the profile; a variable nobody provides, or a
    /// config that cannot run, leaves it blocked with the reason.
    pub(super) fn resolve_k6(
        &self,
        script: &greenlight_load::K6Script,
        env: &[(String, String)],
    ) -> (LoadConfig, Option<String>) {
        let resolved = script.resolve(|name| {
            env.iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .or_else(|| plan_time_value(self.profile, name))
        });
        match resolved {
            Ok(config) => (config, None),
            Err(greenlight_load::LoadError::MissingEnv(name)) => {
                (script.config.clone(), Some(nobody_provided(&[name])))
            }
            Err(other) => (script.config.clone(), Some(format!("k6 script: {other}"))),
        }
    }

    /// A k6 script block: a native load step when greenlight understands
    /// it; otherwise a step only the real k6 can run (and says so).
    pub(super) fn add_k6_block(&mut self, item: usize, phase: usize, s: usize) {
        let step = &self.list.steps[s];
        match greenlight_load::recognise_k6(&step.code) {
            Ok(script) => {
                let (config, blocked) = self.resolve_k6(&script, &[]);
                self.push_load(
                    item,
                    phase,
                    step.code_line,
                    step.code.trim_end().to_string(),
                    "k6".into(),
                    config,
                    blocked,
                );
            }
            Err(e) => {
                let script = format!(
                    "k6 run - <<'GREENLIGHT_K6_SCRIPT'\n{}\nGREENLIGHT_K6_SCRIPT\n",
                    step.code.trim_end()
                );
                let first = self.plan.checks.len();
                self.push_check(
                    item,
                    phase,
                    step.code_line,
                    step.code.trim_end().to_string(),
                    Class::Mutating,
                    "k6 run (a load test)".into(),
                    None,
                    Some(Target::Shell { script }),
                    vec![Expectation::Succeeds],
                    None,
                    Vec::new(),
                    vec!["k6".into()],
                );
                let note = format!("k6 script {e}: only the real k6 can run it");
                for c in &mut self.plan.checks[first..] {
                    c.note = Some(note.clone());
                }
            }
        }
    }

    /// A native load step: a default threshold when none is written, the
    /// profile's limits applied, its URLs pointed at the profile's hosts;
    /// `blocked` says why it cannot run, if it cannot.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_load(
        &mut self,
        item: usize,
        phase: usize,
        line: usize,
        command: String,
        tool: String,
        mut config: LoadConfig,
        blocked: Option<String>,
    ) {
        let mut notes: Vec<String> = Vec::new();
        notes.extend(load_step::ensure_threshold(&mut config));
        notes.extend(load_step::apply_limits(
            &mut config,
            &self.profile.load_limits,
        ));
        let reason = format!(
            "{tool} load test (load counts as mutating unless allowed with [allow] load = true or --allow load)"
        );
        self.push_check(
            item,
            phase,
            line,
            command,
            Class::Mutating,
            reason,
            None,
            Some(Target::Load { tool, config }),
            vec![Expectation::LoadThresholds],
            None,
            Vec::new(),
            Vec::new(),
        );
        let c = self.plan.checks.last_mut().expect("just pushed");
        if !notes.is_empty() {
            c.note = Some(notes.join("; "));
        }
        if let Some(reason) = blocked {
            c.gate = Gate::Blocked { reason };
        }
    }
}
