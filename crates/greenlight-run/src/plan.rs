//! Checklist + profile → plan: for every item, what will run (natively,
//! with which probe, or through a shell), its safety class, what it depends
//! on, and what is left to people. `greenlight plan` prints it; `run`
//! executes it.

use crate::check::{Expectation, Field, Target};
use crate::load_step;
use crate::profile::{Class, Eventually, Profile};
use crate::subst;
use greenlight_doc::{Checklist, SectionKind, Severity};
use greenlight_load::LoadConfig;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Whether a check runs, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "gate", rename_all = "snake_case")]
pub enum Gate {
    Run,
    /// Its class (or shell) is not allowed: reported as not run.
    NotRun {
        reason: String,
    },
    /// It cannot run: a variable is missing, a program is not installed.
    Blocked {
        reason: String,
    },
}

/// A value a check captures for later checks (`ID=$(curl … | jq -r .id)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Capture {
    pub var: String,
    /// The jq path, such as `.id`.
    pub path: String,
}

/// One check of the plan.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlanCheck {
    pub index: usize,
    /// Index into [`Plan::items`].
    pub item: usize,
    pub line: usize,
    /// The command as the document wrote it.
    pub command: String,
    pub class: Class,
    /// The command that set the class, for `not run` messages.
    pub class_reason: String,
    pub target: Target,
    pub expect: Vec<Expectation>,
    pub capture: Option<Capture>,
    /// Variables passed to a shell step as environment variables.
    pub env_names: Vec<String>,
    /// Checks whose captured values this one needs.
    pub depends_on: Vec<usize>,
    pub gate: Gate,
    pub eventually: Option<Eventually>,
    /// What greenlight made of the step beyond its class: a load step
    /// scaled to the profile's limits, a default threshold, a script not
    /// understood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl PlanCheck {
    /// Mutating checks and checks that need a captured value run alone and
    /// in document order.
    pub fn is_sequential(&self) -> bool {
        self.class != Class::Read || !self.depends_on.is_empty()
    }

    pub fn is_native(&self) -> bool {
        !matches!(self.target, Target::Shell { .. })
    }
}

/// How an item is handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Handling {
    /// A machine checks it.
    Automated,
    /// A person checks it.
    Manual,
    /// Its status comes from its sub-items.
    Group,
    /// A person signs it.
    Signoff { role: String },
    /// Not part of a run.
    Skipped { why: String },
}

/// One item of the plan (a checklist item, or a section's bare code blocks).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlanItem {
    pub id: String,
    pub line: usize,
    pub text: String,
    pub phase_title: Option<String>,
    pub severity: Severity,
    pub handling: Handling,
    pub checks: Vec<usize>,
    pub children: Vec<usize>,
    /// Whether the item gives its own reasons to the verdict (leaves and
    /// items with checks; groups speak through their children).
    pub reports: bool,
}

/// A top-level phase: the unit that runs in document order.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlanPhase {
    pub id: String,
    pub line: usize,
    pub title: String,
    pub budget_seconds: Option<u64>,
    pub items: Vec<usize>,
    pub checks: Vec<usize>,
}

/// A sign-off slot.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlanSignoff {
    pub id: String,
    pub role: String,
    pub line: usize,
}

/// The whole plan.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Plan {
    pub checklist: String,
    pub profile: String,
    pub phases: Vec<PlanPhase>,
    pub items: Vec<PlanItem>,
    pub checks: Vec<PlanCheck>,
    pub signoffs: Vec<PlanSignoff>,
}

/// What the recognisers made of one command of a code block.
#[derive(Debug, Clone)]
pub struct Command {
    /// 0-based line within the block.
    pub line_offset: usize,
    pub text: String,
    pub class: Class,
    /// Why the command is not `read` (`writes to a file (`> out.json`)`).
    pub class_reason: Option<String>,
    /// The native probe for it, with host-mapped but unsubstituted strings
    /// still to be mapped; `None` when only a shell can run it.
    pub native: Option<Target>,
    pub capture: Option<Capture>,
    pub expect: Vec<Expectation>,
    /// Program names the command runs (for "not installed" checks).
    pub programs: Vec<String>,
    /// Variables it needs from outside.
    pub needs: Vec<String>,
    /// Variables it defines for later commands of the same block.
    pub defines: Vec<String>,
    /// Harmless bookkeeping (`export X=…`, `echo`, `sleep`): needs no check.
    pub inert: bool,
}

/// What the recognisers made of a whole code block.
#[derive(Debug, Clone)]
pub struct BlockAnalysis {
    pub commands: Vec<Command>,
    /// The block's class: the most dangerous command's.
    pub class: Class,
    /// The command that set it.
    pub decided_by: String,
    /// Expectations written for the whole block (`# MUST SEE: …` after it).
    pub expect: Vec<Expectation>,
}

/// Why a step that needs these variables is blocked.
pub fn nobody_provided(names: &[String]) -> String {
    format!(
        "needs {} which nobody provided (set it in the profile's [vars] or with --set NAME=VALUE)",
        names.join(", ")
    )
}

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
struct PendingLoad {
    line_offset: usize,
    text: String,
    tool: String,
    config: LoadConfig,
    /// Why it cannot run (a variable nobody provided), if so.
    blocked: Option<String>,
}

/// A block with its load lines taken out.
struct SplitBlock {
    /// The other commands.
    rest: BlockAnalysis,
    /// The block's script with the load lines neutralised.
    script: String,
    loads: Vec<PendingLoad>,
    /// Load lines greenlight does not understand, and why.
    not_understood: Vec<String>,
}

/// Something that can analyse a code block. The recognisers implement it;
/// tests can give their own.
pub type Analyzer = dyn Fn(&str, Option<&str>) -> BlockAnalysis;

/// Builds the plan. `program_exists` says whether a program is installed.
pub fn build(
    list: &Checklist,
    checklist_name: &str,
    profile: &Profile,
    analyze: &Analyzer,
    program_exists: &dyn Fn(&str) -> bool,
) -> Plan {
    let mut b = Builder {
        list,
        profile,
        plan: Plan {
            checklist: checklist_name.to_string(),
            profile: profile.name.clone(),
            phases: Vec::new(),
            items: Vec::new(),
            checks: Vec::new(),
            signoffs: list
                .signoffs
                .iter()
                .map(|s| PlanSignoff {
                    id: s.id.clone(),
                    role: s.role.clone(),
                    line: s.line,
                })
                .collect(),
        },
        program_exists,
        analyze,
        captured_by: HashMap::new(),
        annotations_of_step: annotations_by_step(list),
    };
    b.build();
    b.plan
}

struct Builder<'a> {
    list: &'a Checklist,
    profile: &'a Profile,
    plan: Plan,
    program_exists: &'a dyn Fn(&str) -> bool,
    analyze: &'a Analyzer,
    /// Variable → index of the latest check that captures it.
    captured_by: HashMap<String, usize>,
    /// Step index → the annotations that directly follow it, in order.
    annotations_of_step: HashMap<usize, Vec<usize>>,
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
        if self.add_metric_items(&run_phase) {
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
                });
                self.plan.phases[phase].items.push(idx);
                self.push_check(
                    idx,
                    phase,
                    line,
                    format!("| {} | {} |", gate.name, gate.written),
                    Class::Read,
                    "metric table row".into(),
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
        let handling = if item.section == SectionKind::Rollback {
            Handling::Skipped {
                why: "rollback procedure: never part of a run".into(),
            }
        } else if item.section == SectionKind::Monitoring {
            Handling::Skipped {
                why: "post-release monitoring window: observed after the release".into(),
            }
        } else if let Some(s) = item.signoff {
            Handling::Signoff {
                role: self.list.signoffs[s].role.clone(),
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
        });
        self.plan.phases[phase].items.push(idx);
        if handling == Handling::Automated {
            for &s in &item.steps {
                self.add_block(idx, phase, s);
            }
            for inline in self.inline_checks(&item.text, &item.inline_code) {
                self.push_check(
                    idx,
                    phase,
                    item.line,
                    inline.command.clone(),
                    inline.class,
                    inline.command,
                    Some(inline.target),
                    inline.expect,
                    None,
                    Vec::new(),
                    Vec::new(),
                );
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
            let handling = match heading.kind {
                SectionKind::Rollback => Handling::Skipped {
                    why: "rollback procedure: never part of a run".into(),
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
            });
            self.plan.phases[phase].items.push(idx);
            if handling == Handling::Automated {
                self.add_block(idx, phase, s);
                if self.plan.items[idx].checks.is_empty() {
                    self.plan.items[idx].handling = Handling::Manual;
                }
            }
        }
    }

    fn add_block(&mut self, item: usize, phase: usize, s: usize) {
        let first = self.plan.checks.len();
        self.add_block_checks(item, phase, s);
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
    }

    fn add_block_checks(&mut self, item: usize, phase: usize, s: usize) {
        let step = &self.list.steps[s];
        let lang = step.lang.as_deref();
        if load_step::is_k6_script(&step.code, lang) {
            self.add_k6_block(item, phase, s);
            return;
        }
        if !is_shell_lang(lang) {
            return;
        }
        let analysis = (self.analyze)(&step.code, lang);
        // Load tool lines run natively, apart from the rest of the block.
        let split = self.split_load_lines(analysis, &step.code);
        let first = self.plan.checks.len();
        self.add_commands(item, phase, s, &split.rest, &split.script);
        if !split.not_understood.is_empty() {
            let note = split.not_understood.join("; ");
            for c in &mut self.plan.checks[first..] {
                c.note = Some(note.clone());
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
    }

    /// Takes the `ab`/`hey`/`wrk`/`oha` lines greenlight understands out of
    /// a block: they become native load steps, and the block's own shell
    /// step (if it still needs one) no longer runs them. Lines not
    /// understood stay in the shell step, which runs the real tool only if
    /// it is installed and the class allows it.
    fn split_load_lines(&self, analysis: BlockAnalysis, code: &str) -> SplitBlock {
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
    fn k6_file_config(
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
    fn resolve_k6(
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
    fn add_k6_block(&mut self, item: usize, phase: usize, s: usize) {
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
    fn push_load(
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
        if all_native {
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
            let n = runnable.len();
            for (k, c) in runnable.iter().enumerate() {
                let mut expect = c.expect.clone();
                if k + 1 == n {
                    expect.extend(analysis.expect.iter().cloned());
                }
                let target = c.native.clone().map(|t| apply_locals(t, &local));
                self.push_check(
                    item,
                    phase,
                    step.code_line + c.line_offset,
                    c.text.clone(),
                    c.class,
                    c.text.clone(),
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
                None,
                expect,
                None,
                needs,
                programs,
            );
            if let Some(last) = self.plan.checks.last_mut() {
                last.target = Target::Shell {
                    script: script.to_string(),
                };
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_check(
        &mut self,
        item: usize,
        phase: usize,
        line: usize,
        command: String,
        class: Class,
        class_reason: String,
        native: Option<Target>,
        mut expect: Vec<Expectation>,
        capture: Option<Capture>,
        needs: Vec<String>,
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
        let gate = if !missing.is_empty() {
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
        } else if !(self.profile.is_allowed(class) || is_load && self.profile.allow_load) {
            Gate::NotRun {
                reason: if is_load {
                    "a load test counts as mutating: not run (allow load with --allow load or [allow] load = true)".into()
                } else {
                    format!(
                        "{} is {}: not run (allow with --allow {}) — set by `{}`",
                        target.probe(),
                        class.as_str(),
                        class.as_str(),
                        one_line(&class_reason)
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
            note: None,
        });
        self.plan.items[item].checks.push(index);
        self.plan.phases[phase].checks.push(index);
    }

    /// Maps hosts (and services for psql/redis-cli) through the profile.
    fn map_hosts(&self, target: Target) -> Target {
        let hosts = &self.profile.hosts;
        match target {
            Target::Http {
                method,
                url,
                headers,
                body,
                insecure,
                follow,
                basic_auth,
                fail,
                max_time,
            } => Target::Http {
                url: subst::map_url(&url, hosts).unwrap_or(url),
                method,
                headers,
                body,
                insecure,
                follow,
                basic_auth,
                fail,
                max_time,
            },
            Target::WebSocket {
                url,
                headers,
                insecure,
            } => Target::WebSocket {
                url: subst::map_url(&url, hosts).unwrap_or(url),
                headers,
                insecure,
            },
            Target::ClickHouse { url, sql } => Target::ClickHouse {
                url: subst::map_url(&url, hosts)
                    .or_else(|| self.profile.services.get("clickhouse").cloned())
                    .unwrap_or(url),
                sql,
            },
            Target::Tcp { host, port } => {
                let (host, port) = subst::map_addr(&host, port, hosts).unwrap_or((host, port));
                Target::Tcp { host, port }
            }
            Target::Tls {
                host,
                port,
                min_version,
            } => {
                let (host, port) = subst::map_addr(&host, port, hosts).unwrap_or((host, port));
                Target::Tls {
                    host,
                    port,
                    min_version,
                }
            }
            Target::Postgres { url, sql, params } => Target::Postgres {
                url: map_service(&url, hosts, self.profile.services.get("postgres")),
                sql,
                params,
            },
            Target::Redis { url, args } => Target::Redis {
                url: map_service(&url, hosts, self.profile.services.get("redis")),
                args,
            },
            // Load URLs are mapped (or refused) by `push_check`.
            other @ (Target::Shell { .. } | Target::Load { .. } | Target::Metric { .. }) => other,
        }
    }

    /// Checks stated in an item's own text: `` `GET /path` returns 200 ``,
    /// an inline native command (`` `redis-cli -h host ping` ``), or
    /// `TLS version >= 1.2` when the profile names a TLS endpoint.
    fn inline_checks(&self, text: &str, inline_code: &[String]) -> Vec<Inline> {
        let mut out = Vec::new();
        if let Some((target, expect)) = self.inline_http(text, inline_code) {
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
            });
        }
        for code in inline_code {
            if let Some(cmd) = crate::analyze::analyze_inline(code)
                && let Some(target) = cmd.native
            {
                out.push(Inline {
                    target,
                    expect: cmd.expect,
                    class: cmd.class,
                    command: code.clone(),
                });
            }
        }
        if let (Some(version), Some(endpoint)) =
            (tls_minimum(text), self.profile.services.get("tls"))
        {
            let (host, port) = match endpoint.rsplit_once(':') {
                Some((h, p)) => (
                    h.trim_start_matches("https://").to_string(),
                    p.trim_end_matches('/').parse().unwrap_or(443),
                ),
                None => (endpoint.clone(), 443),
            };
            let n = crate::analyze::native::tls_check(&host, port, Some(version));
            out.push(Inline {
                target: n.target,
                expect: n.expect,
                class: Class::Read,
                command: text.to_string(),
            });
        }
        out
    }

    fn inline_http(
        &self,
        text: &str,
        inline_code: &[String],
    ) -> Option<(Target, Vec<Expectation>)> {
        let code = inline_code.iter().find(|c| {
            let mut w = c.split_whitespace();
            w.next().is_some_and(is_http_method)
                && w.next()
                    .is_some_and(|p| p.starts_with('/') || p.contains("://"))
        })?;
        let mut words = code.split_whitespace();
        let method = words.next()?.to_ascii_uppercase();
        let path = words.next()?;
        let lower = text.to_lowercase();
        let after = lower.split_once("returns").map(|(_, r)| r.trim_start())?;
        let code_num: u16 = after
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()?;
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
        Some((
            Target::Http {
                method,
                url,
                headers: Vec::new(),
                body: None,
                insecure: false,
                follow: false,
                basic_auth: None,
                fail: false,
                max_time: None,
            },
            vec![Expectation::Status { code: code_num }],
        ))
    }
}

/// What an annotation asks for.
#[derive(Debug, Default, PartialEq)]
pub struct Directives {
    pub expect: Vec<Expectation>,
    pub eventually: Option<Eventually>,
}

/// Parses `expect status=200, json $.version == "8.0.0", under 300ms` and
/// `eventually 30s every 1s`, comma- or semicolon-separated.
pub fn parse_annotation(text: &str) -> Directives {
    let mut d = Directives::default();
    let text = text.trim();
    let body = text.strip_prefix("expect").map(str::trim).unwrap_or(text);
    for part in body
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if let Some(e) = parse_clause(part, &mut d) {
            d.expect.push(e);
        }
    }
    d
}

/// One clause of an annotation. A clause not understood is never dropped:
/// it comes back as an unverifiable expectation, so the item needs review.
fn parse_clause(part: &str, d: &mut Directives) -> Option<Expectation> {
    let lower = part.to_ascii_lowercase();
    let unknown = || {
        Some(Expectation::Unverifiable {
            text: part.to_string(),
        })
    };
    if let Some(code) = lower
        .strip_prefix("status=")
        .or_else(|| lower.strip_prefix("status "))
    {
        return match code.trim().parse() {
            Ok(code) => Some(Expectation::Status { code }),
            Err(_) => unknown(),
        };
    }
    if let Some(rest) = part.strip_prefix("json ") {
        let Some((path, value)) = rest.split_once("==") else {
            return unknown();
        };
        let value = value.trim();
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
        return Some(Expectation::JsonPathEquals {
            path: path.trim().to_string(),
            value,
        });
    }
    if let Some(ms) = lower.strip_prefix("under ") {
        return match crate::profile::parse_duration(ms.trim()) {
            Some(dur) => Some(Expectation::LatencyUnder {
                ms: dur.as_millis() as u64,
            }),
            None => unknown(),
        };
    }
    if let Some(text) = part.strip_prefix("contains ") {
        return Some(Expectation::Contains {
            text: text.trim().trim_matches('"').to_string(),
        });
    }
    if let Some(rest) = lower.strip_prefix("eventually") {
        let mut words = rest.split_whitespace();
        let Some(deadline) = words.next().and_then(crate::profile::parse_duration) else {
            return unknown();
        };
        let interval = match (words.next(), words.next()) {
            (Some("every"), Some(i)) => crate::profile::parse_duration(i),
            _ => None,
        };
        d.eventually = Some(Eventually {
            deadline,
            interval: interval.unwrap_or(std::time::Duration::from_secs(1)),
        });
        return None;
    }
    unknown()
}

/// A check stated inline in an item's text.
struct Inline {
    target: Target,
    expect: Vec<Expectation>,
    class: Class,
    command: String,
}

/// `TLS version >= 1.2`, `TLS ≥ 1.2`, `TLS 1.2+` → `1.2`.
fn tls_minimum(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let at = lower.find("tls")?;
    let rest = lower[at + 3..]
        .trim_start()
        .trim_start_matches("version")
        .trim_start();
    let (rest, plus_required) = match rest.strip_prefix(">=").or_else(|| rest.strip_prefix('≥')) {
        Some(r) => (r.trim_start(), false),
        None => (rest, true),
    };
    let version: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let after = &rest[version.len()..];
    if !version.starts_with("1.") || (plus_required && !after.starts_with('+')) {
        return None;
    }
    Some(version)
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

/// Whether a script names a mapped host (a `host:port` key only with that port).
fn mentions_host(script: &str, host: &str) -> bool {
    // Host names are case-insensitive; ASCII lower-casing keeps byte offsets.
    let script = &script.to_ascii_lowercase();
    let name = &match subst::split_host_port(host) {
        (h, Some(p)) => format!("{}:{p}", subst::normalize_host(h)),
        (h, None) => subst::normalize_host(h),
    };
    script.match_indices(name.as_str()).any(|(i, _)| {
        let before = script[..i].chars().next_back();
        let after = script[i + name.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
    })
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
    )
}

fn map_service(
    url: &str,
    hosts: &std::collections::BTreeMap<String, String>,
    service: Option<&String>,
) -> String {
    // An explicit host mapping for the command's host wins; otherwise the
    // configured service; otherwise what the command said.
    if let Some((scheme, rest)) = url.split_once("://") {
        let (userinfo, after) = match rest.rsplit_once('@') {
            Some((u, a)) => (Some(u), a),
            None => (None, rest),
        };
        let end = after.find('/').unwrap_or(after.len());
        let (host, port) = match after[..end].rsplit_once(':') {
            Some((h, p)) => (h, p.parse().unwrap_or(0)),
            None => (&after[..end], if scheme == "redis" { 6379 } else { 5432 }),
        };
        // `map_addr` compares normalised hosts: `DB.internal.` is `db.internal`.
        if let Some((h, p)) = subst::map_addr(host, port, hosts) {
            let user = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
            return format!("{scheme}://{user}{h}:{p}{}", &after[end..]);
        }
    }
    match service {
        Some(s) => merge_database(s, url),
        None => url.to_string(),
    }
}

/// The service URL names the server; a database named by the command
/// (`psql -d nox_staging`) is used only when the service URL names none.
fn merge_database(service: &str, command_url: &str) -> String {
    let service_has_db = service
        .split_once("://")
        .map(|(_, r)| r.split_once('/').is_some_and(|(_, db)| !db.is_empty()))
        .unwrap_or(false);
    if service_has_db {
        return service.to_string();
    }
    let db = command_url
        .split_once("://")
        .and_then(|(_, r)| r.split_once('/'))
        .map(|(_, db)| db)
        .filter(|db| !db.is_empty());
    match db {
        Some(db) => format!("{}/{db}", service.trim_end_matches('/')),
        None => service.to_string(),
    }
}

fn parse_assignment(text: &str) -> Option<(String, String)> {
    let t = text.trim().strip_prefix("export ").unwrap_or(text.trim());
    let (name, value) = t.split_once('=')?;
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        || value.contains("$(")
    {
        return None;
    }
    let value = value
        .trim()
        .trim_matches('"')
        .trim_matches('\'')
        .to_string();
    Some((name.to_string(), value))
}

/// Substitutes variables a block defined for itself (`export BASE_URL=…`)
/// into its native targets, leaving everything else for the run.
fn apply_locals(mut target: Target, locals: &HashMap<&str, &str>) -> Target {
    // Only HTTP and WebSocket requests' URLs, header values and bodies: the
    // method, credentials and other probes' strings wait for the run.
    if locals.is_empty() || !matches!(target, Target::Http { .. } | Target::WebSocket { .. }) {
        return target;
    }
    // One pass over each string, whatever the number of definitions and
    // references.
    for (field, s) in target.strings_mut() {
        if matches!(field, Field::Url | Field::Header | Field::Body) {
            *s = fill_locals(s, locals);
        }
    }
    target
}

/// Replaces `$NAME` and `${NAME}` whose name is in `values` (a whole name:
/// `$AB` is not `$A` followed by `B`); everything else stays as written.
fn fill_locals(s: &str, values: &HashMap<&str, &str>) -> String {
    let is_name_byte = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let braced = bytes.get(i + 1) == Some(&b'{');
        let start = i + 1 + usize::from(braced);
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| is_name_byte(b))
                .count();
        let closed = !braced || bytes.get(end) == Some(&b'}');
        match values.get(&s[start..end]) {
            Some(v) if end > start && closed => {
                out.push_str(&s[copied..i]);
                out.push_str(v);
                i = end + usize::from(braced);
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[copied..]);
    out
}

fn one_line(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_locals_fill_whole_names_only() {
        let values: HashMap<&str, &str> = [("A", "1"), ("AB", "2"), ("H", "h")].into();
        assert_eq!(fill_locals("$A/$AB/${A}/${AB}x", &values), "1/2/1/2x");
        // Unknown names, `${A:-d}`, unclosed braces and a lone `$` stay.
        assert_eq!(
            fill_locals("$ABC ${A:-d} ${A $ $", &values),
            "$ABC ${A:-d} ${A $ $"
        );
        assert_eq!(fill_locals("é$H→${H}", &values), "éh→h");
    }

    #[test]
    fn databases_merge_with_services() {
        assert_eq!(
            merge_database(
                "postgres://postgres@127.0.0.1:5432",
                "postgres://localhost/nox_staging"
            ),
            "postgres://postgres@127.0.0.1:5432/nox_staging"
        );
        assert_eq!(
            merge_database(
                "postgres://postgres@127.0.0.1:5432/test",
                "postgres://localhost/nox_staging"
            ),
            "postgres://postgres@127.0.0.1:5432/test"
        );
    }

    #[test]
    fn annotations() {
        let d = parse_annotation(r#"expect status=200, json $.version == "8.0.0", under 300ms"#);
        assert_eq!(
            d.expect,
            vec![
                Expectation::Status { code: 200 },
                Expectation::JsonPathEquals {
                    path: "$.version".into(),
                    value: serde_json::json!("8.0.0")
                },
                Expectation::LatencyUnder { ms: 300 },
            ]
        );
        assert_eq!(
            parse_annotation("expect status=abc, header ok").expect,
            vec![
                Expectation::Unverifiable {
                    text: "status=abc".into()
                },
                Expectation::Unverifiable {
                    text: "header ok".into()
                },
            ]
        );
        let d = parse_annotation("eventually 30s every 500ms");
        assert_eq!(
            d.eventually,
            Some(Eventually {
                deadline: std::time::Duration::from_secs(30),
                interval: std::time::Duration::from_millis(500)
            })
        );
    }

    #[test]
    fn tls_minimums() {
        assert_eq!(tls_minimum("TLS version >= 1.2").as_deref(), Some("1.2"));
        assert_eq!(tls_minimum("TLS 1.2+ only").as_deref(), Some("1.2"));
        assert_eq!(tls_minimum("Enable TLS 1.3 on all endpoints"), None);
        assert_eq!(tls_minimum("TLS certificates ready"), None);
    }

    #[test]
    fn host_mentions() {
        assert!(mentions_host("curl https://api.x.io/health", "api.x.io"));
        assert!(!mentions_host(
            "curl https://staging-api.x.io/health",
            "api.x.io"
        ));
        assert!(mentions_host(
            "curl http://localhost:3000/x",
            "localhost:3000"
        ));
        assert!(!mentions_host(
            "kafka --bootstrap-server localhost:9092",
            "localhost:3000"
        ));
        assert!(mentions_host("curl https://API.X.IO./health", "api.x.io"));
        assert!(mentions_host("curl https://api.x.io/health", "API.x.io."));
    }

    #[test]
    fn assignments() {
        assert_eq!(
            parse_assignment("export BASE_URL=\"https://x\""),
            Some(("BASE_URL".into(), "https://x".into()))
        );
        assert_eq!(parse_assignment("X=$(curl a)"), None);
    }
}
