//! The walk over a checklist that builds the [`Plan`]: phases, items,
//! blocks, commands and inline checks, in document order.

use super::annotations::{parse_annotation, tls_minimum};
use super::hosts::mentions_host;
use super::locals::{apply_locals, parse_assignment};
use super::types::*;
use crate::analyze::not_script::{NotScript, not_a_script, prompt_commands};
use crate::analyze::{Analyzer, BlockAnalysis, Capture, Command};
use crate::check::{Expectation, Target};
use crate::load_step;
use crate::profile::{Class, Profile};
use crate::subst;
use greenlight_doc::{Checklist, SectionKind, Severity};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Why a step that needs these variables is blocked.
pub fn nobody_provided(names: &[String]) -> String {
    let (placeholders, vars): (Vec<&String>, Vec<&String>) =
        names.iter().partition(|n| n.starts_with('<'));
    let mut parts = Vec::new();
    if !placeholders.is_empty() {
        let list: Vec<&str> = placeholders.iter().map(|p| p.as_str()).collect();
        // The variable that fills it (`<postgres-pod>` → `postgres_pod`).
        let first = crate::analyze::hazards::placeholder_variable(list[0].trim_matches(['<', '>']));
        parts.push(format!(
            "fill in {}: the command is a template (give the value in the profile's [vars] or with --set {first}=VALUE)",
            list.join(", ")
        ));
    }
    if !vars.is_empty() {
        let list: Vec<&str> = vars.iter().map(|v| v.as_str()).collect();
        parts.push(format!(
            "needs {} which nobody provided (set it in the profile's [vars] or with --set NAME=VALUE)",
            list.join(", ")
        ));
    }
    parts.join("; ")
}

/// Builds the plan. `program_exists` says whether a program is installed.
pub fn build(
    list: &Checklist,
    checklist_name: &str,
    profile: &Profile,
    analyze: &Analyzer,
    program_exists: &dyn Fn(&str) -> bool,
) -> Plan {
    build_scoped(
        list,
        checklist_name,
        profile,
        analyze,
        program_exists,
        Scope::Run,
    )
}

/// Builds the plan of the document's monitoring sections only (`greenlight
/// watch`): their steps are planned like any other, under the same safety
/// classes, and everything else is skipped.
pub fn build_watch(
    list: &Checklist,
    checklist_name: &str,
    profile: &Profile,
    analyze: &Analyzer,
    program_exists: &dyn Fn(&str) -> bool,
) -> Plan {
    build_scoped(
        list,
        checklist_name,
        profile,
        analyze,
        program_exists,
        Scope::Watch,
    )
}

/// Why an item is not part of a watch window.
const NOT_WATCH: &str = "not part of the monitoring window";

/// Builds the plan of the document's rollback procedure only (`greenlight
/// rollback`): its steps are planned like any other, under the same safety
/// classes, and everything else is skipped. The plan stops at the first
/// failure.
pub fn build_rollback(
    list: &Checklist,
    checklist_name: &str,
    profile: &Profile,
    analyze: &Analyzer,
    program_exists: &dyn Fn(&str) -> bool,
) -> Plan {
    build_scoped(
        list,
        checklist_name,
        profile,
        analyze,
        program_exists,
        Scope::Rollback,
    )
}

/// Why an item is not part of a rollback.
const NOT_ROLLBACK: &str = "not part of the rollback procedure";

/// What a plan covers: a normal run, only the rollback procedure, or only
/// the monitoring window. One at a time.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Run,
    Rollback,
    Watch,
}

fn build_scoped(
    list: &Checklist,
    checklist_name: &str,
    profile: &Profile,
    analyze: &Analyzer,
    program_exists: &dyn Fn(&str) -> bool,
    scope: Scope,
) -> Plan {
    let rollback = scope == Scope::Rollback;
    let mut b = Builder {
        list,
        profile,
        rollback,
        watch: scope == Scope::Watch,
        plan: Plan {
            checklist: checklist_name.to_string(),
            profile: profile.name.clone(),
            phases: Vec::new(),
            items: Vec::new(),
            checks: Vec::new(),
            // A rollback owes no sign-offs: it is run, not released.
            signoffs: list
                .signoffs
                .iter()
                .filter(|_| !rollback)
                .map(|s| PlanSignoff {
                    id: s.id.clone(),
                    role: s.role.clone(),
                    line: s.line,
                })
                .collect(),
            stop_at_failure: rollback,
        },
        program_exists,
        analyze,
        captured_by: HashMap::new(),
        annotations_of_step: annotations_by_step(list),
        windows_lines: list
            .steps
            .iter()
            .filter(|s| crate::analyze::windows::is_windows_lang(s.lang.as_deref()))
            .map(|s| (s.code_line, s.code_line + s.code.lines().count()))
            .collect(),
    };
    b.build();
    b.plan
}

pub(super) struct Builder<'a> {
    pub(super) list: &'a Checklist,
    pub(super) profile: &'a Profile,
    /// Planning the rollback procedure: only its steps, nothing else.
    pub(super) rollback: bool,
    /// Planning the monitoring window: only its steps, nothing else.
    pub(super) watch: bool,
    pub(super) plan: Plan,
    pub(super) program_exists: &'a dyn Fn(&str) -> bool,
    pub(super) analyze: &'a Analyzer,
    /// Variable → index of the latest check that captures it.
    pub(super) captured_by: HashMap<String, usize>,
    /// Step index → the annotations that directly follow it, in order.
    pub(super) annotations_of_step: HashMap<usize, Vec<usize>>,
    /// First and last code line of each cmd or PowerShell fence (usually
    /// none), so a shell step finds whether it is in one without scanning
    /// every block of the document.
    pub(super) windows_lines: Vec<(usize, usize)>,
}

/// Groups annotations by the step they follow, so that finding a block's
/// annotations does not scan every annotation of the document.
fn annotations_by_step(list: &Checklist) -> HashMap<usize, Vec<usize>> {
    let mut by_step: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, a) in list.annotations.iter().enumerate() {
        if let Some(s) = a.step {
            by_step.entry(s).or_default().push(i);
        }
    }
    by_step
}

/// A check stated inline in an item's text.
struct Inline {
    target: Target,
    expect: Vec<Expectation>,
    class: Class,
    command: String,
    /// Where the request's credentials came from, when not from the profile.
    note: Option<String>,
}

fn target_method(t: &Target) -> Option<&str> {
    match t {
        Target::Http { method, .. } => Some(method),
        _ => None,
    }
}

fn target_references(t: &Target) -> Vec<String> {
    let texts = t.strings().into_iter().map(|(_, s)| s);
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for t in texts {
        for r in subst::references(t) {
            if seen.insert(r.clone()) {
                out.push(r);
            }
        }
    }
    out
}

fn is_http_method(w: &str) -> bool {
    matches!(
        w,
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
    )
}

fn is_status_expectation(e: &Expectation) -> bool {
    matches!(
        e,
        Expectation::Status { .. } | Expectation::StatusClass { .. } | Expectation::StatusOk
    )
}

/// In a shell step, HTTP-specific expectations become output checks or,
/// when that is impossible, unverifiable.
fn shell_expectation(e: Expectation) -> Expectation {
    match e {
        Expectation::Status { code } => Expectation::Unverifiable {
            text: format!("status {code} (the script's output is not an HTTP response)"),
        },
        Expectation::StatusClass { class } => Expectation::Unverifiable {
            text: format!("status {class}xx (the script's output is not an HTTP response)"),
        },
        Expectation::StatusOk => Expectation::Succeeds,
        Expectation::JsonSubset { json } => Expectation::Unverifiable {
            text: format!("JSON ⊇ {json} in the script's output"),
        },
        other => other,
    }
}

fn is_shell_lang(lang: Option<&str>) -> bool {
    matches!(
        lang.map(str::to_ascii_lowercase).as_deref(),
        None | Some("bash" | "sh" | "shell" | "zsh" | "console" | "shell-session")
    ) || crate::analyze::windows::is_windows_lang(lang)
}

pub(super) fn one_line(s: &str) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap_or(s)
        .trim();
    if line.chars().count() > 80 {
        format!("{}…", line.chars().take(79).collect::<String>())
    } else {
        line.to_string()
    }
}

fn severity_of_heading(list: &Checklist, mut p: usize) -> Severity {
    loop {
        if let Some(s) = list.phases[p].severity {
            return s;
        }
        match list.phases[p].parent {
            Some(up) => p = up,
            None => return Severity::Required,
        }
    }
}

/// The heading level that makes a run phase: the outermost level below a
/// single document title.
fn run_phase_level(list: &Checklist) -> u8 {
    let ones = list.phases.iter().filter(|p| p.level == 1).count();
    let min = list.phases.iter().map(|p| p.level).min().unwrap_or(1);
    if min == 1 && ones == 1 {
        list.phases
            .iter()
            .map(|p| p.level)
            .filter(|&l| l > 1)
            .min()
            .unwrap_or(1)
    } else {
        min
    }
}

impl Builder<'_> {
    fn build(&mut self) {
        let list = self.list;
        let top = run_phase_level(list);
        // Each run phase: a heading at the run level, or everything before
        // the first one.
        let mut phase_of_heading: Vec<Option<usize>> = vec![None; list.phases.len()];
        for (i, p) in list.phases.iter().enumerate() {
            if p.level == top || (p.level < top && i == 0) {
                self.plan.phases.push(PlanPhase {
                    id: p.id.clone(),
                    line: p.line,
                    title: p.title.clone(),
                    budget_seconds: p.budget_seconds,
                    items: Vec::new(),
                    checks: Vec::new(),
                });
                phase_of_heading[i] = Some(self.plan.phases.len() - 1);
            } else {
                phase_of_heading[i] = p.parent.and_then(|up| phase_of_heading[up]).or_else(|| {
                    // A deeper heading before any run-level heading.
                    (!self.plan.phases.is_empty()).then(|| self.plan.phases.len() - 1)
                });
            }
        }
        if self.plan.phases.is_empty() {
            self.plan.phases.push(PlanPhase {
                id: "h0000000".into(),
                line: 1,
                title: list.title.clone().unwrap_or_else(|| "(document)".into()),
                budget_seconds: None,
                items: Vec::new(),
                checks: Vec::new(),
            });
        }
        let run_phase = |phase: Option<usize>| phase.and_then(|p| phase_of_heading[p]).unwrap_or(0);

        // Walk items and section-level code blocks in document order.
        enum Next {
            Item(usize),
            Section(usize),
        }
        let mut order: Vec<(usize, Next)> = list
            .items
            .iter()
            .map(|i| (i.span.start, Next::Item(i.index)))
            .collect();
        for p in &list.phases {
            if !p.steps.is_empty() {
                order.push((list.steps[p.steps[0]].span.start, Next::Section(p.index)));
            }
        }
        order.sort_by_key(|(start, _)| *start);
        let mut plan_index_of_item = vec![usize::MAX; list.items.len()];
        for (_, next) in order {
            match next {
                Next::Item(i) => {
                    let idx = self.add_item(i, run_phase(list.items[i].phase));
                    plan_index_of_item[i] = idx;
                    if let Some(parent) = list.items[i].parent {
                        let pp = plan_index_of_item[parent];
                        if pp != usize::MAX {
                            self.plan.items[pp].children.push(idx);
                        }
                    }
                }
                Next::Section(p) => self.add_section_blocks(p, run_phase(Some(p))),
            }
        }
        if !self.rollback && !self.watch && self.add_metric_items(&run_phase) {
            self.items_in_document_order();
        }
        // Parents with children but no checks of their own are groups.
        for i in 0..self.plan.items.len() {
            let item = &self.plan.items[i];
            if item.handling == Handling::Manual && !item.children.is_empty() {
                self.plan.items[i].handling = Handling::Group;
                self.plan.items[i].reports = false;
            }
        }
    }

    /// Puts the items back in document order (metric-table items are made
    /// last, once every load step is known), renumbering every reference.
    fn items_in_document_order(&mut self) {
        let mut order: Vec<usize> = (0..self.plan.items.len()).collect();
        order.sort_by_key(|&i| self.plan.items[i].line);
        let mut new_index = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut items: Vec<Option<PlanItem>> = std::mem::take(&mut self.plan.items)
            .into_iter()
            .map(Some)
            .collect();
        self.plan.items = order
            .iter()
            .map(|&old| items[old].take().expect("each item moves once"))
            .collect();
        for item in &mut self.plan.items {
            for c in &mut item.children {
                *c = new_index[*c];
            }
        }
        for check in &mut self.plan.checks {
            check.item = new_index[check.item];
        }
        for phase in &mut self.plan.phases {
            for i in &mut phase.items {
                *i = new_index[*i];
            }
            phase.items.sort_unstable();
        }
    }

    /// Metric tables (`| Response Time (p95) | < 300ms | < 500ms |`) gate
    /// the figures of the run's load steps: a row's target column is a
    /// should-fix item (over it warns), its critical column a required one
    /// (over it fails). Without a load step in the plan, tables are left to
    /// people. Returns whether it added any item.
    fn add_metric_items(&mut self, run_phase: &dyn Fn(Option<usize>) -> usize) -> bool {
        let loads: Vec<usize> = self
            .plan
            .checks
            .iter()
            .filter(|c| matches!(c.target, Target::Load { .. }))
            .map(|c| c.index)
            .collect();
        let Some(&last_load) = loads.last() else {
            return false;
        };
        let before = self.plan.items.len();
        let load_phase = self
            .plan
            .phases
            .iter()
            .rposition(|p| p.checks.contains(&last_load))
            .unwrap_or(0);
        // Metric checks never change a load step's gate: whether they are
        // measured is known once, not per row.
        let not_measured = loads
            .iter()
            .all(|&l| self.plan.checks[l].gate != Gate::Run)
            .then(|| {
                let lines: Vec<String> = loads
                    .iter()
                    .map(|&l| self.plan.checks[l].line.to_string())
                    .collect();
                format!(
                    "not measured: the load step on line {} will not run",
                    lines.join(", ")
                )
            });
        let list = self.list;
        for table in &list.tables {
            if table
                .phase
                .is_some_and(|p| list.phases[p].kind == SectionKind::Rollback)
            {
                continue;
            }
            let phase = run_phase(table.phase).max(load_phase);
            let heading_id = table.phase.map_or("", |p| list.phases[p].id.as_str());
            for gate in load_step::metric_gates(&table.header, &table.rows) {
                let (level, severity) = match gate.level {
                    load_step::Level::Target => ("target", Severity::ShouldFix),
                    load_step::Level::Critical => ("critical", Severity::Required),
                };
                let line = table.row_lines.get(gate.row).copied().unwrap_or(table.line);
                let idx = self.plan.items.len();
                self.plan.items.push(PlanItem {
                    id: greenlight_doc::ident::make_id("m", &[heading_id, &gate.name, level]),
                    line,
                    text: format!(
                        "{} {} ({level}, from the metric table)",
                        gate.name, gate.written
                    ),
                    phase_title: table.phase.map(|p| list.phases[p].title.clone()),
                    severity,
                    handling: Handling::Automated,
                    checks: Vec::new(),
                    children: Vec::new(),
                    reports: true,
                    notes: Vec::new(),
                    no_go: false,
                });
                self.plan.phases[phase].items.push(idx);
                self.push_check(
                    idx,
                    phase,
                    line,
                    format!("| {} | {} |", gate.name, gate.written),
                    Class::Read,
                    "metric table row".into(),
                    None,
                    Some(Target::Metric {
                        name: gate.name.clone(),
                        figure: gate.figure,
                        from: loads.clone(),
                    }),
                    vec![Expectation::Metric {
                        figure: gate.figure,
                        op: gate.op,
                        limit: gate.limit,
                        written: gate.written.clone(),
                    }],
                    None,
                    Vec::new(),
                    Vec::new(),
                );
                if let Some(reason) = &not_measured
                    && let Some(c) = self.plan.checks.last_mut()
                {
                    c.gate = Gate::Blocked {
                        reason: reason.clone(),
                    };
                }
            }
        }
        self.plan.items.len() > before
    }

    fn add_item(&mut self, i: usize, phase: usize) -> usize {
        let item = &self.list.items[i];
        let phase_title = item.phase.map(|p| self.list.phases[p].title.clone());
        let in_procedure = item.section == SectionKind::Rollback;
        let handling = if self.rollback && !in_procedure {
            Handling::Skipped {
                why: NOT_ROLLBACK.into(),
            }
        } else if in_procedure && !self.rollback {
            Handling::Skipped {
                why: "rollback procedure: never part of a run".into(),
            }
        } else if self.watch && item.section != SectionKind::Monitoring {
            Handling::Skipped {
                why: NOT_WATCH.into(),
            }
        } else if item.section == SectionKind::Monitoring && !self.watch {
            Handling::Skipped {
                why: "post-release monitoring window: observed after the release".into(),
            }
        } else if let Some(s) = item.signoff {
            Handling::Signoff {
                role: self.list.signoffs[s].role.clone(),
            }
        } else if item.outcome == Some(greenlight_doc::Outcome::NoGo) && item.mark.is_none() {
            // The other outcome of a GO / NO-GO decision: owed only ticked.
            Handling::Skipped {
                why: "NO-GO outcome of the decision, not ticked".into(),
            }
        } else if let Some(m) = &item.mark {
            Handling::Marked {
                passed: m.passed,
                mark: format!("{}: {}", m.column, m.text),
            }
        } else if !item.steps.is_empty()
            || !self.inline_checks(&item.text, &item.inline_code).is_empty()
        {
            Handling::Automated
        } else {
            Handling::Manual
        };
        let idx = self.plan.items.len();
        // Sign-off items are shown through the sign-off slots, not as reasons.
        let reports = !matches!(
            handling,
            Handling::Signoff { .. } | Handling::Skipped { .. }
        );
        self.plan.items.push(PlanItem {
            id: item.id.clone(),
            line: item.line,
            text: item.text.clone(),
            phase_title,
            severity: item.severity,
            handling: handling.clone(),
            checks: Vec::new(),
            children: Vec::new(),
            reports,
            notes: Vec::new(),
            no_go: item.outcome == Some(greenlight_doc::Outcome::NoGo),
        });
        self.plan.phases[phase].items.push(idx);
        if handling == Handling::Automated {
            for &s in &item.steps {
                if super::after_block::is_expected_output(&self.list.steps[s]) {
                    continue;
                }
                let _ = self.add_block(idx, phase, s);
            }
            for inline in self.inline_checks(&item.text, &item.inline_code) {
                self.push_check(
                    idx,
                    phase,
                    item.line,
                    inline.command.clone(),
                    inline.class,
                    inline.command,
                    None,
                    Some(inline.target),
                    inline.expect,
                    None,
                    Vec::new(),
                    Vec::new(),
                );
                if let (Some(extra), Some(check)) = (inline.note, self.plan.checks.last_mut()) {
                    check.note = Some(match check.note.take() {
                        Some(own) => format!("{extra}; {own}"),
                        None => extra,
                    });
                }
            }
            if self.plan.items[idx].checks.is_empty() {
                // Code blocks that hold nothing to run (pure comments, text).
                self.plan.items[idx].handling = Handling::Manual;
            }
        }
        idx
    }

    /// A section's bare code blocks become one synthetic item per block.
    fn add_section_blocks(&mut self, p: usize, phase: usize) {
        let heading = &self.list.phases[p];
        for (n, &s) in heading.steps.iter().enumerate() {
            let step = &self.list.steps[s];
            // `Expected response:` then a block: the expectation of the block
            // above, not a block of its own.
            if super::after_block::is_expected_output(step) {
                continue;
            }
            // A block inside a `**Rollback:**` label or a `<details>`
            // procedure is a procedure even in an ordinary section.
            let kind = if step.procedure {
                SectionKind::Rollback
            } else {
                heading.kind
            };
            let handling = match kind {
                SectionKind::Rollback if self.rollback => Handling::Automated,
                _ if self.rollback => Handling::Skipped {
                    why: NOT_ROLLBACK.into(),
                },
                SectionKind::Rollback => Handling::Skipped {
                    why: "rollback procedure: never part of a run".into(),
                },
                SectionKind::Monitoring if self.watch => Handling::Automated,
                _ if self.watch => Handling::Skipped {
                    why: NOT_WATCH.into(),
                },
                SectionKind::Monitoring => Handling::Skipped {
                    why: "post-release monitoring window: observed after the release".into(),
                },
                _ => Handling::Automated,
            };
            let idx = self.plan.items.len();
            let severity = severity_of_heading(self.list, p);
            self.plan.items.push(PlanItem {
                id: format!("{}-{}", heading.id, n + 1),
                line: step.line,
                text: format!("{} (code block {})", heading.title, n + 1),
                phase_title: Some(heading.title.clone()),
                severity,
                reports: !matches!(handling, Handling::Skipped { .. }),
                handling: handling.clone(),
                checks: Vec::new(),
                children: Vec::new(),
                notes: Vec::new(),
                no_go: false,
            });
            self.plan.phases[phase].items.push(idx);
            if handling == Handling::Automated {
                let set_aside = self.add_block(idx, phase, s);
                if self.plan.items[idx].checks.is_empty() {
                    // Output or data shown as an example is owed by nobody;
                    // thresholds, lists and instructions are left to people.
                    self.plan.items[idx].handling = match set_aside {
                        Some(n) if n.shape.is_illustration() => {
                            self.plan.items[idx].reports = false;
                            Handling::Skipped { why: n.why() }
                        }
                        _ => Handling::Manual,
                    };
                }
            }
        }
    }

    /// Plans a block's checks; returns why it was set aside when it is not
    /// a script.
    fn add_block(&mut self, item: usize, phase: usize, s: usize) -> Option<NotScript> {
        let first = self.plan.checks.len();
        let set_aside = self.add_block_checks(item, phase, s);
        // `<!-- greenlight: … -->` after the block refines its checks.
        let list = self.list;
        let annotations = self
            .annotations_of_step
            .get(&s)
            .cloned()
            .unwrap_or_default();
        for a in annotations.iter().map(|&a| &list.annotations[a]) {
            let directives = parse_annotation(&a.text);
            let n = self.plan.checks.len();
            for c in first..n {
                if let Some(e) = directives.eventually {
                    self.plan.checks[c].eventually = Some(e);
                }
            }
            if let Some(last) = (first < n).then(|| n - 1) {
                let check = &mut self.plan.checks[last];
                for e in directives.expect {
                    if !check.expect.contains(&e) {
                        check.expect.push(e);
                    }
                }
            }
        }
        set_aside
    }

    fn add_block_checks(&mut self, item: usize, phase: usize, s: usize) -> Option<NotScript> {
        let step = &self.list.steps[s];
        let lang = step.lang.as_deref();
        if load_step::is_k6_script(&step.code, lang) {
            self.add_k6_block(item, phase, s);
            return None;
        }
        if !is_shell_lang(lang) {
            return None;
        }
        // An untagged fence of output, thresholds, a list or prose is shown,
        // not run.
        if lang.is_none()
            && let Some(n) = not_a_script(&step.code)
        {
            self.plan.items[item]
                .notes
                .push(format!("L{}: {}; not run", step.line, n.why()));
            return Some(n);
        }
        // A console transcript: only its prompt lines are commands.
        let code = prompt_commands(&step.code).unwrap_or_else(|| step.code.clone());
        let mut analysis = (self.analyze)(&code, lang);
        analysis
            .expect
            .extend(super::after_block::expectations(&step.after));
        // Load tool lines run natively, apart from the rest of the block.
        let split = self.split_load_lines(analysis, &code);
        let first = self.plan.checks.len();
        self.add_commands(item, phase, s, &split.rest, &split.script);
        if !split.not_understood.is_empty() {
            // Each note goes to the step of its own line when the block was
            // split, to the block's one step otherwise.
            let is_its_line =
                |c: &PlanCheck, n: &String| n.starts_with(&format!("`{}`", one_line(&c.command)));
            let all_placed = split
                .not_understood
                .iter()
                .all(|n| self.plan.checks[first..].iter().any(|c| is_its_line(c, n)));
            for c in &mut self.plan.checks[first..] {
                let mine: Vec<&str> = split
                    .not_understood
                    .iter()
                    .filter(|n| !all_placed || is_its_line(c, n))
                    .map(String::as_str)
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let note = mine.join("; ");
                c.note = Some(match c.note.take() {
                    Some(own) => format!("{note}; {own}"),
                    None => note.clone(),
                });
            }
        }
        for load in split.loads {
            self.push_load(
                item,
                phase,
                step.code_line + load.line_offset,
                load.text,
                load.tool,
                load.config,
                load.blocked,
            );
        }
        None
    }

    fn add_commands(
        &mut self,
        item: usize,
        phase: usize,
        s: usize,
        analysis: &BlockAnalysis,
        script: &str,
    ) {
        let step = &self.list.steps[s];
        let runnable: Vec<&Command> = analysis.commands.iter().filter(|c| !c.inert).collect();
        if runnable.is_empty() {
            return;
        }
        let all_native = runnable.iter().all(|c| c.native.is_some());
        // Commands that share no state each become their own check: one
        // mutating command then no longer keeps the reads beside it from
        // running.
        let together = if all_native {
            None
        } else {
            crate::analyze::independence::why_one_script(analysis)
        };
        if together.is_none() {
            // Variables the block defines for itself (`export BASE_URL=…`).
            let mut local: Vec<(String, String)> = Vec::new();
            for c in &analysis.commands {
                if c.inert
                    && let Some((name, value)) = parse_assignment(&c.text)
                {
                    local.push((name, value));
                }
            }
            // The latest definition wins.
            let local: HashMap<&str, &str> = local
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            // Values greenlight captures itself, for the shell steps that use them.
            let captured: HashSet<&str> = analysis
                .commands
                .iter()
                .filter_map(|c| c.capture.as_ref().map(|cap| cap.var.as_str()))
                .collect();
            let n = runnable.len();
            // What is written below a block of several checks does not say
            // which command it is for ("HTTP 200 OK for the health
            // endpoint" below a health request and a CORS preflight): given
            // to the last one as is, it fails a healthy service. It stays
            // with the last check, for a person to judge.
            let below: Vec<Expectation> = if n > 1 {
                analysis
                    .expect
                    .iter()
                    .map(|e| match e {
                        Expectation::Unverifiable { .. } => e.clone(),
                        other => Expectation::Unverifiable {
                            text: format!(
                                "{} (written below a block of {n} commands, not saying which)",
                                other.describe()
                            ),
                        },
                    })
                    .collect()
            } else {
                analysis.expect.clone()
            };
            for (k, c) in runnable.iter().enumerate() {
                let mut expect = c.expect.clone();
                if k + 1 == n {
                    expect.extend(below.iter().cloned());
                }
                if c.native.is_none() {
                    self.push_shell_command(item, phase, step.code_line, c, expect, &captured);
                    continue;
                }
                let target = c.native.clone().map(|t| apply_locals(t, &local));
                self.push_check(
                    item,
                    phase,
                    step.code_line + c.line_offset,
                    c.text.clone(),
                    c.class,
                    c.text.clone(),
                    c.class_reason.clone(),
                    target,
                    expect,
                    c.capture.clone(),
                    c.needs.clone(),
                    c.programs.clone(),
                );
            }
        } else {
            // One shell step for the whole block, with the block's class.
            let mut expect: Vec<Expectation> = analysis
                .commands
                .iter()
                .flat_map(|c| c.expect.clone())
                .collect();
            expect.extend(analysis.expect.iter().cloned());
            if !expect.iter().any(|e| matches!(e, Expectation::Succeeds)) {
                expect.insert(0, Expectation::Succeeds);
            }
            // Status codes and JSON cannot be checked on a whole script's output.
            let expect = expect.into_iter().map(shell_expectation).collect();
            let defined: HashSet<&str> = analysis
                .commands
                .iter()
                .flat_map(|c| c.defines.iter().map(String::as_str))
                .collect();
            let needs: Vec<String> = analysis
                .commands
                .iter()
                .flat_map(|c| c.needs.iter().cloned())
                .filter(|n| !defined.contains(n.as_str()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let programs: Vec<String> = analysis
                .commands
                .iter()
                .flat_map(|c| c.programs.iter().cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            self.push_check(
                item,
                phase,
                step.code_line,
                step.code.trim_end().to_string(),
                analysis.class,
                analysis.decided_by.clone(),
                analysis.decided_why.clone(),
                None,
                expect,
                None,
                needs,
                programs,
            );
            let reads_held =
                analysis.class > Class::Read && runnable.iter().any(|c| c.class == Class::Read);
            if let Some(last) = self.plan.checks.last_mut() {
                last.target = Target::Shell {
                    script: script.to_string(),
                };
                // Why the reads in it wait for the block's most dangerous command.
                if reads_held && let Some(why) = &together {
                    let own = format!("runs as one script: {why}");
                    last.note = Some(match last.note.take() {
                        Some(n) => format!("{own}; {n}"),
                        None => own,
                    });
                }
            }
        }
    }

    /// One command of a block of independent commands, as its own shell
    /// step with its own class.
    fn push_shell_command(
        &mut self,
        item: usize,
        phase: usize,
        code_line: usize,
        c: &Command,
        mut expect: Vec<Expectation>,
        captured: &HashSet<&str>,
    ) {
        if !expect.iter().any(|e| matches!(e, Expectation::Succeeds)) {
            expect.insert(0, Expectation::Succeeds);
        }
        let expect = expect.into_iter().map(shell_expectation).collect();
        // What it needs from outside, and the values captured before it.
        let mut needs: BTreeSet<String> = c.needs.iter().cloned().collect();
        needs.extend(
            crate::analyze::variable_refs(&c.text)
                .into_iter()
                .filter(|v| captured.contains(v.as_str())),
        );
        let programs: Vec<String> = c
            .programs
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        self.push_check(
            item,
            phase,
            code_line + c.line_offset,
            c.text.clone(),
            c.class,
            c.text.clone(),
            c.class_reason.clone(),
            None,
            expect,
            None,
            needs.into_iter().collect(),
            programs,
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_check(
        &mut self,
        item: usize,
        phase: usize,
        line: usize,
        command: String,
        class: Class,
        class_reason: String,
        class_why: Option<String>,
        native: Option<Target>,
        mut expect: Vec<Expectation>,
        capture: Option<Capture>,
        mut needs: Vec<String>,
        programs: Vec<String>,
    ) {
        let index = self.plan.checks.len();
        let is_load = matches!(native, Some(Target::Load { .. }));
        let native_class = native.is_some();
        // Load goes only to hosts the profile names: mapped here, refused
        // when a URL's host is not named.
        let mut load_refusal = None;
        let target = match native {
            Some(Target::Load { tool, mut config }) => {
                load_refusal = load_step::map_targets(&mut config, &self.profile.hosts).err();
                Target::Load { tool, config }
            }
            Some(t) => self.map_hosts(t),
            None => Target::Shell {
                script: command.clone(),
            },
        };
        // A native check's class is the class of what it would send.
        let class = match target.class() {
            Some(derived) if native_class => derived.max(class),
            _ => class,
        };
        if matches!(target, Target::Http { .. }) && !expect.iter().any(is_status_expectation) {
            // A request with no written status expectation must at least not fail.
            expect.insert(0, Expectation::StatusOk);
        }
        if expect.is_empty() {
            expect.push(Expectation::Succeeds);
        }
        // A shell step whose exit code does not say whether it passed (`… | wc -l`, an error
        // search, `git status`) is judged by its output, or needs review.
        let mut note = None;
        if let Target::Shell { script } = &target {
            (expect, note) = crate::pipeline::adjust(script, expect);
        }
        // What a shell step must not run as: never ending, a template, a
        // cmd/PowerShell line.
        let held = match &target {
            Target::Shell { script } => self.shell_hold(line, script, &mut needs),
            _ => None,
        };
        // A native target needs exactly what its strings refer to.
        let needs = if matches!(target, Target::Shell { .. }) {
            needs
        } else {
            target_references(&target)
        };
        // A shell cannot be pointed elsewhere: a script that names a host the
        // profile maps would reach the real host, so it does not run.
        let mapped_host = match &target {
            Target::Shell { script } => self
                .profile
                .hosts
                .keys()
                .find(|h| mentions_host(script, h))
                .cloned(),
            _ => None,
        };
        // Which needed variables come from earlier captures?
        let mut depends_on = Vec::new();
        let mut missing = Vec::new();
        for name in &needs {
            if let Some(&by) = self.captured_by.get(name) {
                depends_on.push(by);
            } else if let Some(why) = self.profile.missing.get(name) {
                missing.push(format!("{name} ({why})"));
            } else if !self.profile.vars.contains_key(name) {
                missing.push(name.clone());
            }
        }
        let gate = if let Some(held) = held {
            held
        } else if !missing.is_empty() {
            Gate::Blocked {
                reason: nobody_provided(&missing),
            }
        } else if let Some(dep) = depends_on
            .iter()
            .find(|&&d| self.plan.checks[d].gate != Gate::Run)
        {
            Gate::Blocked {
                reason: format!(
                    "needs a value captured by the check on line {}, which will not run",
                    self.plan.checks[*dep].line
                ),
            }
        } else if let Some(reason) = load_refusal {
            Gate::Blocked { reason }
        } else if let Some(host) = mapped_host {
            Gate::Blocked {
                reason: format!(
                    "the script names {host}, which the profile maps elsewhere; a shell step cannot be redirected, so it does not run"
                ),
            }
        } else if !self.profile.allows(class, is_load) {
            Gate::NotRun {
                reason: if is_load {
                    "a load test counts as mutating: not run (allow load with --allow load or [allow] load = true)".into()
                } else {
                    format!(
                        "{} is {}: not run (allow with --allow {}) — set by `{}`{}",
                        target.probe(),
                        class.as_str(),
                        class.as_str(),
                        one_line(&class_reason),
                        class_why
                            .as_deref()
                            // "`x …` is mutating" says nothing the class did not.
                            .filter(|w| !w.ends_with(&format!(" is {}", class.as_str())))
                            .map(|w| format!(": {}", one_line(w)))
                            .unwrap_or_default()
                    )
                },
            }
        } else if matches!(target, Target::Shell { .. }) && !self.profile.shell {
            Gate::NotRun {
                reason: "shell steps are off in this profile ([allow] shell = false)".into(),
            }
        } else if let Some(p) = programs
            .iter()
            .find(|p| matches!(target, Target::Shell { .. }) && !(self.program_exists)(p))
        {
            Gate::Blocked {
                reason: format!("needs the program `{p}`, which is not installed here"),
            }
        } else {
            Gate::Run
        };
        if let Some(cap) = &capture {
            self.captured_by.insert(cap.var.clone(), index);
        }
        let env_names = if matches!(target, Target::Shell { .. }) {
            needs.clone()
        } else {
            Vec::new()
        };
        self.plan.checks.push(PlanCheck {
            index,
            item,
            line,
            command,
            class,
            class_reason,
            target,
            expect,
            capture,
            env_names,
            depends_on,
            gate,
            eventually: None,
            note,
        });
        self.plan.items[item].checks.push(index);
        self.plan.phases[phase].checks.push(index);
    }

    /// Checks stated in an item's own text: `` `GET /path` returns 200 ``,
    /// an inline native command (`` `redis-cli -h host ping` ``), or
    /// `TLS version >= 1.2` when the profile names a TLS endpoint.
    fn inline_checks(&self, text: &str, inline_code: &[String]) -> Vec<Inline> {
        let mut out = Vec::new();
        if let Some((target, expect, note)) = self.inline_http(text, inline_code) {
            let class = if target_method(&target).is_some_and(|m| m == "GET" || m == "HEAD") {
                Class::Read
            } else {
                Class::Mutating
            };
            let command = inline_code
                .iter()
                .find(|c| c.split_whitespace().next().is_some_and(is_http_method))
                .cloned()
                .unwrap_or_default();
            out.push(Inline {
                target,
                expect,
                class,
                command,
                note,
            });
        }
        for code in inline_code {
            if let Some(cmd) = crate::analyze::analyze_inline(code)
                && let Some(target) = cmd.native
            {
                let mut expect = cmd.expect;
                let arrow = arrow_expectation(text, code);
                if expect.is_empty() && !arrow.is_empty() && !matches!(target, Target::Http { .. })
                {
                    // The probe must still succeed (`psql … -> basarili`).
                    expect.push(Expectation::Succeeds);
                }
                expect.extend(arrow);
                out.push(Inline {
                    target,
                    expect,
                    class: cmd.class,
                    command: code.clone(),
                    note: None,
                });
            }
        }
        if out.is_empty()
            && inline_code.is_empty()
            && let Some(bare) = bare_command(text)
        {
            out.push(bare);
        }
        if let (Some(version), Some(endpoint)) =
            (tls_minimum(text), self.profile.services.get("tls"))
        {
            // `https://host:8443/`, `host:8443` or `host`.
            let (host, port) = match subst::split_url(endpoint) {
                Some(parts) => (parts.host, parts.port),
                None => subst::split_host_port(endpoint.split('/').next().unwrap_or_default()),
            };
            let (host, port) = (host.to_string(), port.unwrap_or(443));
            let n = crate::analyze::native::tls_check(&host, port, Some(version));
            out.push(Inline {
                target: n.target,
                expect: n.expect,
                class: Class::Read,
                command: text.to_string(),
                note: None,
            });
        }
        out
    }

    fn inline_http(
        &self,
        text: &str,
        inline_code: &[String],
    ) -> Option<(Target, Vec<Expectation>, Option<String>)> {
        let lower = text.to_lowercase();
        let code_num = stated_status(&lower)?;
        // `GET /x` written with its method, else a bare path or URL in an
        // item that states a status (`Hit `/api/v1/health` and verify 200 OK`).
        let (method, path) = inline_code
            .iter()
            .find_map(|c| {
                let mut w = c.split_whitespace();
                let m = w.next().filter(|m| is_http_method(m))?;
                let p = w
                    .next()
                    .filter(|p| p.starts_with('/') || p.contains("://"))?;
                Some((m.to_ascii_uppercase(), p))
            })
            .or_else(|| {
                let bare: Vec<&String> = inline_code
                    .iter()
                    .filter(|c| {
                        !c.contains(char::is_whitespace)
                            && (c.starts_with('/') && c.len() > 1
                                || c.starts_with("http://")
                                || c.starts_with("https://"))
                    })
                    .collect();
                // One address, or it is not clear which one is meant.
                match bare[..] {
                    [one] => Some(("GET".to_string(), one.as_str())),
                    _ => None,
                }
            })?;
        let base = self
            .profile
            .services
            .get("api")
            .or_else(|| self.profile.services.get("http"))
            .cloned()
            .or_else(|| self.profile.vars.get("BASE_URL").map(|v| v.value.clone()))
            .unwrap_or_else(|| "$BASE_URL".into());
        let url = if path.contains("://") {
            path.to_string()
        } else {
            format!("{}{path}", base.trim_end_matches('/'))
        };
        let mut target = Target::request(method, url);
        let mut note = None;
        if let Target::Http { url, headers, .. } = &mut target {
            *headers = self.profile.headers_for(url);
            // No credentials from the profile: send those of the document's
            // own example of the same request, if it shows one.
            let has_credentials = headers.iter().any(|(n, _)| {
                n.eq_ignore_ascii_case("authorization") || n.eq_ignore_ascii_case("cookie")
            });
            if !has_credentials
                && let Some((borrowed, line)) =
                    super::doc_headers::example_credentials(self.list, self.analyze, path)
            {
                let names: Vec<&str> = borrowed.iter().map(|(n, _)| n.as_str()).collect();
                note = Some(format!(
                    "sends {} as the document's example on line {line} does",
                    names.join(", ")
                ));
                headers.extend(borrowed);
            }
        }
        Some((
            target,
            vec![
                Expectation::Status { code: code_num },
                Expectation::Inferred,
            ],
            note,
        ))
    }
}

/// What an item states after an arrow behind its command:
/// `` `curl …/health` → `{"status": "healthy", ...}` ``.
fn arrow_expectation(text: &str, code: &str) -> Vec<Expectation> {
    let Some(at) = text.find(code) else {
        return Vec::new();
    };
    let after = text[at + code.len()..].trim_start_matches('`').trim_start();
    let Some(rest) = after.strip_prefix('→').or_else(|| after.strip_prefix("->")) else {
        return Vec::new();
    };
    let rest = rest.trim().trim_matches('`').trim();
    if rest.is_empty() {
        return Vec::new();
    }
    crate::analyze::expect::parse_expectation(rest, false)
}

/// The status an item's words state for its request: `returns 200`,
/// `` `GET /x` -> 200 ``, `→ 200`, `verify 200 OK`, `responds with 204`.
fn stated_status(lower: &str) -> Option<u16> {
    // `/health` does not return HTTP 200: a stop condition, not a check.
    let negated = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .any(|w| {
            matches!(
                w,
                "not" | "never" | "no" | "fails" | "fail" | "doesn't" | "don't" | "isn't" | "won't"
            )
        });
    if negated {
        return None;
    }
    const CUES: &[&str] = &[
        "returns",
        "return",
        "->",
        "→",
        "verify",
        "responds with",
        "respond with",
    ];
    CUES.iter().find_map(|cue| {
        lower.match_indices(cue).find_map(|(at, _)| {
            let mut words = lower[at + cue.len()..]
                .split_whitespace()
                .skip_while(|w| matches!(*w, "status" | "http" | "a" | "code" | "status:"));
            let w = words.next()?.trim_end_matches([':', '.', ',', ';', ')']);
            let n: u16 = w.parse().ok()?;
            (w.len() == 3 && (100..600).contains(&n)).then_some(n)
        })
    })
}

/// A command written bare in an item's words, as lists without code spans
/// do: `curl http://localhost:5000/health`, or `Command: curl …` with the
/// expectation after it (`— Expected: {"status":"ok"}`, the form the
/// document reader gives a `Command:` / `Expected:` pair of bullets). Only
/// a command greenlight runs natively, naming a URL or a variable, counts:
/// "curl the endpoint" is prose.
fn bare_command(text: &str) -> Option<Inline> {
    let mut parts = text.split(" — ");
    let first = parts.next()?.trim();
    // `Command: …`, `Befehl: …`: one word before the colon.
    let command = match first.split_once(": ") {
        Some((label, rest)) if !label.trim().contains(char::is_whitespace) => rest.trim(),
        _ => first,
    };
    let tool = command.split_whitespace().next()?;
    if !matches!(tool, "curl" | "psql" | "redis-cli") {
        return None;
    }
    if !(command.contains("://") || command.contains('$') || tool != "curl") {
        return None;
    }
    let cmd = crate::analyze::analyze_inline(command)?;
    let target = cmd.native?;
    let mut expect = cmd.expect;
    for said in parts {
        if let Some(more) = crate::analyze::expect::parse_label(said.trim()) {
            expect.extend(more);
        }
    }
    Some(Inline {
        target,
        expect,
        class: cmd.class,
        command: command.to_string(),
        note: Some("the command is written in the item's words".into()),
    })
}

#[cfg(test)]
mod bare_command_tests {
    use super::*;

    #[test]
    fn a_bare_command_with_its_expectation_is_a_check() {
        let b = bare_command(
            "Command: curl http://localhost:5000/health — Expected: {\"status\":\"ok\"} (or similar)",
        )
        .expect("a check");
        assert!(matches!(b.target, Target::Http { .. }));
        assert_eq!(b.class, Class::Read);
        assert!(
            b.expect
                .iter()
                .any(|e| matches!(e, Expectation::JsonSubset { .. })),
            "{:?}",
            b.expect
        );
        let b = bare_command("curl -s $BASE_URL/version").expect("a check");
        assert_eq!(b.command, "curl -s $BASE_URL/version");
    }

    #[test]
    fn prose_about_curl_is_not_a_command() {
        assert!(bare_command("curl the endpoint to see it answers").is_none());
        assert!(bare_command("Use Swagger OR curl: POST /work-items").is_none());
        assert!(bare_command("Open: http://localhost:5000/swagger").is_none());
        assert!(bare_command("docker compose ps — Expected: Up").is_none());
    }
}
