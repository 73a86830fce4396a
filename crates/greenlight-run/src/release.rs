//! The release: what a team decides on over many runs.
//!
//! Runs of the same checklist and profile (or runs given the same
//! `--release NAME`) belong to one release. Automated checks are re-run by
//! every run; people's acts — checks, unchecks, waivers, sign-offs and the
//! notes they carry — belong to the release: an act recorded on a run
//! applies to that run and to every later run of its release.
//!
//! A sign-off names the evidence it approved: the run it was given on and
//! the required results the signer saw (with their digest). When the run
//! being decided has different required results, the sign-off is *stale*:
//! it is kept for the record, counts for nothing, and its holder may sign
//! again.
//!
//! This module is plain data in, plain data out; the caller reads the
//! store and the file system.

use crate::assemble::{Mark, People, StaleSignoff, Waiver};
use crate::events::{ItemMarked, SignoffGiven, WaiverGiven};
use crate::outcome::{Evidence, Status, StepResult};
use crate::plan::{Handling, Plan};
use greenlight_doc::Severity;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Errors of the release logic, each naming what the user typed.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// `--only` named an item or line the checklist does not have.
    #[error("--only {0}: no item or step has this ID or line (see `greenlight plan`)")]
    NoSuchItem(String),
    /// `--phase` named no phase of the checklist.
    #[error("--phase {name}: no phase has this title; the phases are: {phases}")]
    NoSuchPhase {
        /// What was asked for.
        name: String,
        /// The checklist's phase titles, comma-separated.
        phases: String,
    },
}

/// What a person did, as recorded on some run of the release.
#[derive(Debug, Clone)]
pub struct Act {
    /// The run it was recorded on.
    pub run: String,
    /// When it was recorded (RFC 3339, as the store stamps it).
    pub at: String,
    /// What was done, with what its event carries.
    pub kind: ActKind,
    /// The item or sign-off slot it concerns.
    pub item: String,
    pub actor: String,
}

/// The kinds of people's acts, each with its event's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActKind {
    /// An item ticked, by a person or by the document's checkbox.
    Checked(ItemMarked),
    Unchecked,
    /// A failure accepted, why and until when.
    Waiver(WaiverGiven),
    WaiverRevoked,
    /// A sign-off, with the evidence it approved (when recorded).
    Signoff(SignoffGiven),
    SignoffRevoked,
}

/// The required results a sign-off approves: for each automated item of
/// severity required or blocker, its machine status (before any person's
/// check or waiver), by item ID.
pub fn required_results(plan: &Plan, results: &[Option<StepResult>]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in &plan.items {
        if item.handling != Handling::Automated
            || !matches!(item.severity, Severity::Required | Severity::Blocker)
        {
            continue;
        }
        let status = Status::combine(item.checks.iter().map(|&c| {
            results
                .get(c)
                .and_then(Option::as_ref)
                .map_or(Status::NotRun, |r| r.status)
        }))
        .unwrap_or(Status::Pending);
        out.insert(item.id.clone(), status.as_str().to_string());
    }
    out
}

/// SHA-256 (hex) of the required results, as a sign-off records it.
pub fn digest(results: &BTreeMap<String, String>) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for (id, status) in results {
        for part in [id.as_str(), status.as_str()] {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part.as_bytes());
        }
    }
    ctx.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The payload of a sign-off given on `run` after seeing `results`.
pub fn signoff_payload(
    role: &str,
    name: &str,
    run: &str,
    results: &BTreeMap<String, String>,
) -> SignoffGiven {
    SignoffGiven {
        role: role.to_string(),
        name: Some(name.to_string()),
        run: Some(run.to_string()),
        digest: Some(digest(results)),
        saw: Some(results.clone()),
    }
}

/// `2026-12-01T05:30:00Z` (fractions allowed): the one form waivers store,
/// which compares correctly as text.
fn is_utc_rfc3339(x: &str) -> bool {
    let b = x.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        r.into_iter()
            .all(|i| b.get(i).is_some_and(u8::is_ascii_digit))
    };
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && x.ends_with('Z')
}

/// Folds the release's acts (from `this_run` and the runs of its release
/// started before it) into what people recorded, as seen by `this_run`,
/// whose required results are `current`. Acts apply in the order they
/// were recorded (`at`, then the order given); a mark keeps the run it
/// came from when that is not `this_run`. `now` (RFC 3339) decides which
/// waivers have expired.
pub fn fold(
    acts: &[Act],
    this_run: &str,
    plan: &Plan,
    current: &BTreeMap<String, String>,
    waive_blockers: bool,
    now: &str,
) -> People {
    let mut order: Vec<&Act> = acts.iter().collect();
    order.sort_by(|a, b| a.at.cmp(&b.at)); // stable: ties keep their order
    let mut people = People {
        waive_blockers,
        ..People::default()
    };
    for a in order {
        let mark = |note: String, document: bool| Mark {
            actor: a.actor.clone(),
            at: a.at.clone(),
            note,
            run: if a.run == this_run {
                String::new()
            } else {
                a.run.clone()
            },
            document,
        };
        match &a.kind {
            ActKind::Checked(p) => {
                people
                    .checked
                    .insert(a.item.clone(), mark(p.note.clone(), p.from_document()));
            }
            ActKind::Unchecked => {
                people.checked.remove(&a.item);
            }
            ActKind::Waiver(WaiverGiven { reason, expires }) => {
                // A waiver lapses at its expiry; one whose expiry is not in
                // the stored UTC form (so cannot be compared) counts as lapsed,
                // never as forever.
                let expired = expires
                    .as_deref()
                    // `now` is cut to the second: an expiry in the current
                    // second has passed (both are in whole seconds).
                    .is_some_and(|x| x <= now || !is_utc_rfc3339(x));
                people.waivers.insert(
                    a.item.clone(),
                    Waiver {
                        actor: a.actor.clone(),
                        reason: reason.clone(),
                        expires: expires.clone(),
                        expired,
                    },
                );
            }
            ActKind::WaiverRevoked => {
                people.waivers.remove(&a.item);
            }
            ActKind::Signoff(p) => {
                let mut m = mark(String::new(), false);
                if let Some(name) = &p.name {
                    m.actor = name.clone();
                }
                people.stale.remove(&a.item);
                people.signed.remove(&a.item);
                match stale_because(p, plan, current) {
                    Some(changed) => {
                        people
                            .stale
                            .insert(a.item.clone(), StaleSignoff { mark: m, changed });
                    }
                    None => {
                        people.signed.insert(a.item.clone(), m);
                    }
                }
            }
            ActKind::SignoffRevoked => {
                people.signed.remove(&a.item);
                people.stale.remove(&a.item);
            }
        }
    }
    people
}

/// What changed between the required results a sign-off saw and the
/// current ones (`None`: nothing, or a sign-off from before evidence was
/// recorded).
fn stale_because(
    payload: &SignoffGiven,
    plan: &Plan,
    current: &BTreeMap<String, String>,
) -> Option<Vec<String>> {
    let digest_then = payload.digest.as_deref()?;
    if digest_then == digest(current) {
        return None;
    }
    let empty = BTreeMap::new();
    let saw = payload.saw.as_ref().unwrap_or(&empty);
    let name = |id: &str| {
        plan.items
            .iter()
            .find(|i| i.id == id)
            .map_or_else(|| id.to_string(), |i| format!("L{} {}", i.line, i.text))
    };
    let mut changed = Vec::new();
    let ids: std::collections::BTreeSet<&String> = saw.keys().chain(current.keys()).collect();
    for id in ids {
        let was = saw.get(id).map_or("absent", String::as_str);
        let now = current.get(id).map_or("absent", String::as_str);
        if was != now {
            changed.push(format!("{}: {was} → {now}", name(id)));
        }
    }
    if changed.is_empty() {
        changed.push("the required results differ from those it saw".into());
    }
    Some(changed)
}

/// A change the document's own checkboxes ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentTick {
    pub item: String,
    pub line: usize,
    /// `true`: ticked `[x]` in the document; `false`: a box that the
    /// document had ticked is open again.
    pub checked: bool,
    /// The `git blame` author of the line, when known.
    pub author: Option<String>,
}

/// The `[x]` ticks of the document that people's state does not have yet
/// (and document ticks since removed from the document), for items a
/// person owns (manual items). Automated items are re-run, whatever
/// their box says. `blame` gives the author of a line when asked.
pub fn document_ticks(
    list: &greenlight_doc::Checklist,
    plan: &Plan,
    people: &People,
    blame: &mut dyn FnMut(usize) -> Option<String>,
) -> Vec<DocumentTick> {
    let manual: HashSet<&str> = plan
        .items
        .iter()
        .filter(|i| i.handling == Handling::Manual)
        .map(|i| i.id.as_str())
        .collect();
    let mut out = Vec::new();
    for item in &list.items {
        if item.checkbox.is_none() || !manual.contains(item.id.as_str()) {
            continue;
        }
        let held = people.checked.get(&item.id);
        if item.checked && held.is_none() {
            out.push(DocumentTick {
                item: item.id.clone(),
                line: item.line,
                checked: true,
                author: blame(item.line),
            });
        } else if !item.checked && held.is_some_and(|m| m.document) {
            out.push(DocumentTick {
                item: item.id.clone(),
                line: item.line,
                checked: false,
                author: None,
            });
        }
    }
    out
}

/// The payload of a document tick's event (its actor is the blame author,
/// else `document`).
pub fn tick_payload(t: &DocumentTick) -> ItemMarked {
    ItemMarked {
        source: Some(ItemMarked::DOCUMENT.to_string()),
        line: Some(t.line),
        note: if t.checked {
            format!("ticked [x] in the document (L{})", t.line)
        } else {
            format!("the document's box at L{} is open again", t.line)
        },
    }
}

/// The author of each line of `path` by `git blame`, when the file is in
/// a git repository, git is installed and answers within `timeout`
/// (lines not committed yet have no author).
pub fn blame_authors(path: &Path, timeout: Duration) -> Option<HashMap<usize, String>> {
    use std::io::Read;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
    let name = path.file_name()?;
    let mut child = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["blame", "--line-porcelain", "--"])
        .arg(name)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let text = reader.join().ok()?;
    if !status.success() {
        return None;
    }
    Some(parse_blame(&text))
}

fn parse_blame(text: &str) -> HashMap<usize, String> {
    let mut out = HashMap::new();
    let mut line = None;
    for l in text.lines() {
        let mut words = l.split(' ');
        let first = words.next().unwrap_or_default();
        if first.len() >= 40 && first.bytes().all(|b| b.is_ascii_hexdigit()) {
            line = words.nth(1).and_then(|n| n.parse::<usize>().ok());
        } else if let (Some(n), Some(author)) = (line, l.strip_prefix("author ")) {
            if author != "Not Committed Yet" && !author.trim().is_empty() {
                out.insert(n, author.to_string());
            }
            line = None;
        }
    }
    out
}

/// Which checks a run re-runs.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Re-run the checks that failed, were blocked or did not run in the
    /// release's latest run; keep the others' results.
    pub rerun_failed: bool,
    /// Only these items (ID, `L57` or `57`: an item's or a step's line).
    pub only: Vec<String>,
    /// Only the checks of these phases (title, case-insensitive, or `L12`).
    pub phases: Vec<String>,
}

impl Selection {
    /// Whether it re-runs everything (no flag given).
    pub fn is_all(&self) -> bool {
        !self.rerun_failed && self.only.is_empty() && self.phases.is_empty()
    }
}

/// An earlier run whose results a partial run keeps.
pub struct Previous<'a> {
    pub run_id: &'a str,
    pub plan: &'a Plan,
    pub results: &'a [Option<StepResult>],
}

/// What a partial run starts from.
#[derive(Debug, Clone)]
pub struct Partial {
    /// Per check of the new plan: a result to keep (`Some`) or `None` to run.
    pub done: Vec<Option<StepResult>>,
    /// Per check: the run a kept result comes from (`None`: run now, or not
    /// selected and never run).
    pub kept_from: Vec<Option<String>>,
}

impl Partial {
    /// How many checks will run.
    pub fn to_run(&self) -> usize {
        self.done.iter().filter(|d| d.is_none()).count()
    }
}

/// Whether a result is one `--rerun-failed` runs again.
pub fn needs_rerun(r: Option<&StepResult>) -> bool {
    r.is_none_or(|r| matches!(r.status, Status::Failed | Status::Blocked | Status::NotRun))
}

/// Decides, for each check of `plan`, whether it runs or keeps the result
/// of the same check (same item, same position, same command) in `prev`.
/// A check not selected and with no earlier result is recorded as not run.
pub fn select(
    plan: &Plan,
    sel: &Selection,
    prev: Option<&Previous<'_>>,
) -> Result<Partial, ReleaseError> {
    let chosen = chosen_checks(plan, sel)?;
    let mut done = Vec::with_capacity(plan.checks.len());
    let mut kept_from = Vec::with_capacity(plan.checks.len());
    for c in &plan.checks {
        let earlier = prev.and_then(|p| same_check(plan, c.index, p).map(|r| (p.run_id, r)));
        let selected = chosen.as_ref().is_none_or(|set| set.contains(&c.index));
        let run = selected && (!sel.rerun_failed || needs_rerun(earlier.map(|(_, r)| r)));
        if run {
            done.push(None);
            kept_from.push(None);
        } else if let Some((run_id, r)) = earlier {
            done.push(Some(r.clone()));
            kept_from.push(Some(run_id.to_string()));
        } else {
            done.push(Some(not_selected(plan, c.index)));
            kept_from.push(None);
        }
    }
    Ok(Partial { done, kept_from })
}

/// The checks `--only`/`--phase` name (`None`: no such flag, all).
fn chosen_checks(plan: &Plan, sel: &Selection) -> Result<Option<HashSet<usize>>, ReleaseError> {
    if sel.only.is_empty() && sel.phases.is_empty() {
        return Ok(None);
    }
    let mut set = HashSet::new();
    for key in &sel.only {
        let line: Option<usize> = key.strip_prefix('L').unwrap_or(key).parse().ok();
        let item = plan
            .items
            .iter()
            .position(|i| i.id == *key || Some(i.line) == line);
        match item {
            Some(i) => add_item(plan, i, &mut set),
            None => {
                let check = plan.checks.iter().find(|c| Some(c.line) == line);
                match check {
                    Some(c) => {
                        set.insert(c.index);
                    }
                    None => return Err(ReleaseError::NoSuchItem(key.clone())),
                }
            }
        }
    }
    for name in &sel.phases {
        let wanted = name.trim().to_lowercase();
        let line: Option<usize> = name.strip_prefix('L').and_then(|n| n.parse().ok());
        let matches = |title: &str| title.to_lowercase() == wanted;
        let mut found = false;
        for p in &plan.phases {
            if matches(&p.title) || p.id == *name || Some(p.line) == line {
                set.extend(p.checks.iter().copied());
                found = true;
            }
        }
        for (i, it) in plan.items.iter().enumerate() {
            if it.phase_title.as_deref().is_some_and(matches) {
                add_item(plan, i, &mut set);
                found = true;
            }
        }
        if !found {
            // A unique partial title is enough (`--phase smoke`).
            let partial: Vec<_> = plan
                .phases
                .iter()
                .filter(|p| p.title.to_lowercase().contains(&wanted))
                .collect();
            if let [p] = partial[..] {
                set.extend(p.checks.iter().copied());
                continue;
            }
            return Err(ReleaseError::NoSuchPhase {
                name: name.clone(),
                phases: plan
                    .phases
                    .iter()
                    .map(|p| format!("“{}”", p.title))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(Some(set))
}

/// An item's checks and its sub-items' checks.
fn add_item(plan: &Plan, i: usize, set: &mut HashSet<usize>) {
    let item = &plan.items[i];
    set.extend(item.checks.iter().copied());
    for &child in &item.children {
        add_item(plan, child, set);
    }
}

/// The earlier result of the same check: same item ID, same position
/// among the item's checks, same command.
fn same_check<'a>(plan: &Plan, check: usize, prev: &Previous<'a>) -> Option<&'a StepResult> {
    let c = &plan.checks[check];
    let item = &plan.items[c.item];
    let k = item.checks.iter().position(|&x| x == check)?;
    let old_item = prev.plan.items.iter().find(|i| i.id == item.id)?;
    let &old = old_item.checks.get(k)?;
    if prev.plan.checks.get(old)?.command != c.command {
        return None;
    }
    prev.results.get(old)?.as_ref()
}

/// The result of a check a partial run leaves out and that never ran.
fn not_selected(plan: &Plan, i: usize) -> StepResult {
    let c = &plan.checks[i];
    StepResult {
        line: c.line,
        class: c.class,
        probe: c.target.probe().to_string(),
        command: c.command.clone(),
        status: Status::NotRun,
        duration_ms: 0,
        attempts: 0,
        evidence: Evidence {
            summary: c.target.describe(),
            reason: Some(
                "not selected by --only/--phase, and no earlier run of the release has its result"
                    .into(),
            ),
            ..Default::default()
        },
    }
}

/// The identity of the release a run belongs to: `name` when given (a
/// version, say), else the checklist (its path relative to its repository
/// root, else its canonical path) and the profile: `docs/RELEASE.md@staging`.
pub fn release_key(name: Option<&str>, checklist: &Path, profile: &str) -> String {
    if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
        return n.to_string();
    }
    let path = checklist
        .canonicalize()
        .unwrap_or_else(|_| checklist.to_path_buf());
    let inside = path
        .parent()
        .and_then(repo_root)
        .and_then(|root| path.strip_prefix(&root).ok().map(Path::to_path_buf));
    let shown = match inside {
        // The same key on every machine and OS: `/` between folders.
        Some(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        None => path.display().to_string(),
    };
    format!("{shown}@{profile}")
}

/// The repository root above `start` (the first folder, walking up, that
/// holds `.git`), as git finds it.
pub fn repo_root(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    const DOC: &str = "# R\n\n## Checks\n\n- [ ] **Health**\n  ```bash\n  curl -f http://127.0.0.1:1/health\n  ```\n- [ ] **Version**\n  ```bash\n  curl -f http://127.0.0.1:1/version\n  ```\n- [x] Release notes reviewed\n\n## Smoke\n\n- [ ] **Ready**\n  ```bash\n  curl -f http://127.0.0.1:1/ready\n  ```\n\n**Release Manager:** ______\n";

    fn plan_of(doc: &str) -> (greenlight_doc::Checklist, Plan) {
        let list = greenlight_doc::parse(doc.as_bytes());
        let plan = crate::plan::build(
            &list,
            "doc.md",
            &Profile::default(),
            &crate::analyze::analyze_block,
            &|_| true,
        );
        (list, plan)
    }

    fn result(plan: &Plan, i: usize, status: Status) -> StepResult {
        let mut r = not_selected(plan, i);
        r.status = status;
        r
    }

    fn act(run: &str, at: &str, kind: ActKind, item: &str) -> Act {
        Act {
            run: run.into(),
            at: at.into(),
            kind,
            item: item.into(),
            actor: "ann".into(),
        }
    }

    #[test]
    fn only_the_stored_utc_form_of_an_expiry_is_trusted() {
        assert!(is_utc_rfc3339("2026-12-01T05:30:00Z"));
        assert!(is_utc_rfc3339("2026-12-01T05:30:00.123Z"));
        assert!(!is_utc_rfc3339("tomorrow"));
        assert!(!is_utc_rfc3339("2026-12-01T05:30:00+01:00"));
        assert!(!is_utc_rfc3339("2026-12-01"));
    }

    #[test]
    fn a_waiver_lapses_in_the_second_of_its_expiry() {
        let (_, plan) = plan_of(DOC);
        let item = plan.items[2].id.clone();
        let waiver = |expires: &str| {
            vec![act(
                "r1",
                "2026-01-01T00:00:00.000Z",
                ActKind::Waiver(WaiverGiven {
                    reason: "x".into(),
                    expires: Some(expires.into()),
                }),
                &item,
            )]
        };
        let expired = |expires: &str, now: &str| {
            fold(&waiver(expires), "r1", &plan, &BTreeMap::new(), false, now).waivers[&item].expired
        };
        assert!(!expired("2026-01-01T00:00:13Z", "2026-01-01T00:00:12Z"));
        assert!(expired("2026-01-01T00:00:13Z", "2026-01-01T00:00:13Z"));
        assert!(expired("2026-01-01T00:00:13Z", "2026-01-01T00:00:14Z"));
        assert!(expired("next week", "2026-01-01T00:00:14Z"));
    }

    #[test]
    fn acts_apply_in_recorded_order_and_keep_their_run() {
        let (_, plan) = plan_of(DOC);
        let notes = plan.items[2].id.clone();
        let acts = vec![
            act("r2", "2026-01-02T00:00:00.000Z", ActKind::Unchecked, &notes),
            act(
                "r1",
                "2026-01-01T00:00:00.000Z",
                ActKind::Checked(ItemMarked::by_person("read")),
                &notes,
            ),
        ];
        let p = fold(&acts, "r2", &plan, &BTreeMap::new(), false, "2026-01-03");
        assert!(p.checked.is_empty(), "the later uncheck wins");
        let p = fold(
            &acts[1..],
            "r2",
            &plan,
            &BTreeMap::new(),
            false,
            "2026-01-03",
        );
        let m = &p.checked[&notes];
        assert_eq!((m.run.as_str(), m.note.as_str()), ("r1", "read"));
        let p = fold(
            &acts[1..],
            "r1",
            &plan,
            &BTreeMap::new(),
            false,
            "2026-01-03",
        );
        assert_eq!(p.checked[&notes].run, "", "an act of the run itself");
    }

    #[test]
    fn a_signoff_goes_stale_when_a_required_result_changes() {
        let (_, plan) = plan_of(DOC);
        let slot = plan.signoffs[0].id.clone();
        let failed: Vec<_> = (0..plan.checks.len())
            .map(|i| {
                Some(result(
                    &plan,
                    i,
                    if i == 1 {
                        Status::Failed
                    } else {
                        Status::Passed
                    },
                ))
            })
            .collect();
        let seen = required_results(&plan, &failed);
        assert_eq!(seen.len(), 3);
        let acts = vec![act(
            "r1",
            "2026-01-01T00:00:00.000Z",
            ActKind::Signoff(signoff_payload("Release Manager", "Ada", "r1", &seen)),
            &slot,
        )];
        let same = fold(&acts, "r2", &plan, &seen, false, "x");
        assert_eq!(same.signed[&slot].actor, "Ada");
        assert!(same.stale.is_empty());
        let fixed: Vec<_> = (0..plan.checks.len())
            .map(|i| Some(result(&plan, i, Status::Passed)))
            .collect();
        let now = required_results(&plan, &fixed);
        assert_ne!(digest(&now), digest(&seen));
        let p = fold(&acts, "r2", &plan, &now, false, "x");
        assert!(p.signed.is_empty());
        let st = &p.stale[&slot];
        assert_eq!(st.mark.run, "r1");
        assert_eq!(st.changed.len(), 1);
        assert!(
            st.changed[0].contains("Version: failed → passed"),
            "{:?}",
            st.changed
        );
        // Signing again on the new evidence counts.
        let mut again = acts.clone();
        again.push(act(
            "r2",
            "2026-01-02T00:00:00.000Z",
            ActKind::Signoff(signoff_payload("Release Manager", "Ada", "r2", &now)),
            &slot,
        ));
        let p = fold(&again, "r2", &plan, &now, false, "x");
        assert!(p.stale.is_empty() && p.signed.contains_key(&slot));
        // A sign-off recorded before evidence was kept never goes stale.
        let old = vec![act(
            "r1",
            "t",
            ActKind::Signoff(SignoffGiven {
                name: Some("Bo".into()),
                ..Default::default()
            }),
            &slot,
        )];
        assert!(
            fold(&old, "r2", &plan, &now, false, "x")
                .signed
                .contains_key(&slot)
        );
    }

    #[test]
    fn document_ticks_count_for_manual_items_and_follow_the_document() {
        let (list, plan) = plan_of(&DOC.replace("- [ ] **Health**", "- [x] **Health**"));
        let mut asked = Vec::new();
        let ticks = document_ticks(&list, &plan, &People::default(), &mut |l| {
            asked.push(l);
            Some("Ada".into())
        });
        assert_eq!(ticks.len(), 1, "the automated Health is re-run: {ticks:?}");
        assert_eq!(ticks[0].author.as_deref(), Some("Ada"));
        assert!(ticks[0].checked);
        // Already held: nothing to add. Unticked later: the document's own
        // check is withdrawn; a person's check is not.
        let mut people = People::default();
        let id = ticks[0].item.clone();
        people.checked.insert(
            id.clone(),
            Mark {
                document: true,
                ..Mark::default()
            },
        );
        assert!(document_ticks(&list, &plan, &people, &mut |_| None).is_empty());
        let (open, _) = plan_of(&DOC.replace("- [x] Release", "- [ ] Release"));
        let t = document_ticks(&open, &plan, &people, &mut |_| None);
        assert_eq!(t.len(), 1);
        assert!(!t[0].checked);
        people.checked.insert(id, Mark::default());
        assert!(document_ticks(&open, &plan, &people, &mut |_| None).is_empty());
    }

    #[test]
    fn blame_output_is_read_per_final_line() {
        let text = "4f1c0a0b7f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c 1 1 1\nauthor Ada Lovelace\nauthor-mail <a@x>\n\tline one\n0000000000000000000000000000000000000000 2 2 1\nauthor Not Committed Yet\n\tline two\n";
        let m = parse_blame(text);
        assert_eq!(m.get(&1).map(String::as_str), Some("Ada Lovelace"));
        assert!(!m.contains_key(&2));
    }

    /// Of the checks a run sets out to run, those that really run are
    /// told apart from those the profile does not allow, the blocked and
    /// the held back.
    #[test]
    fn will_run_names_why_selected_checks_do_not_run() {
        let doc = "# R\n\n## Checks\n\n- [ ] **Health**\n  ```bash\n  curl -f http://127.0.0.1:1/health\n  ```\n- [ ] **Create**\n  ```bash\n  curl -X POST http://127.0.0.1:1/items -d '{}'\n  ```\n- [ ] **Me**\n  ```bash\n  curl -f http://127.0.0.1:1/me -H \"Authorization: Bearer $TOKEN\"\n  ```\n- [ ] **Logs**\n  ```bash\n  docker logs -f api\n  ```\n";
        let (_, plan) = plan_of(doc);
        assert_eq!(plan.checks.len(), 4, "{:#?}", plan.checks);
        let profile = Profile::default();
        let none: Vec<Option<StepResult>> = vec![None; 4];
        let all = crate::plan::WillRun::of(&plan, &profile, &none);
        assert_eq!(
            all,
            crate::plan::WillRun {
                run: 1,
                not_allowed: 1,
                blocked: 1,
                held: 1
            },
            "{:#?}",
            plan.checks.iter().map(|c| &c.gate).collect::<Vec<_>>()
        );
        assert_eq!(
            all.others(),
            "1 not allowed in this profile, 1 blocked, 1 held back"
        );
        // A check with a result kept is not counted at all.
        let mut kept = none.clone();
        kept[0] = Some(result(&plan, 0, Status::Passed));
        let w = crate::plan::WillRun::of(&plan, &profile, &kept);
        assert_eq!((w.run, w.not_allowed), (0, 1));
        // Allowed, the POST runs.
        let mut mutating = Profile::default();
        mutating.allow_word("mutating").unwrap();
        assert!(plan.checks[1].allowed_by(&mutating) && !plan.checks[1].allowed_by(&profile));
    }

    #[test]
    fn partial_runs_keep_what_they_do_not_run() {
        let (_, plan) = plan_of(DOC);
        let prev: Vec<_> = (0..plan.checks.len())
            .map(|i| {
                Some(result(
                    &plan,
                    i,
                    if i == 1 {
                        Status::Failed
                    } else {
                        Status::Passed
                    },
                ))
            })
            .collect();
        let p = Previous {
            run_id: "r1",
            plan: &plan,
            results: &prev,
        };
        let rerun = Selection {
            rerun_failed: true,
            ..Selection::default()
        };
        let part = select(&plan, &rerun, Some(&p)).unwrap();
        assert_eq!(part.to_run(), 1);
        assert!(part.done[1].is_none());
        assert_eq!(part.kept_from[0].as_deref(), Some("r1"));
        // Without an earlier run, --rerun-failed runs everything.
        assert_eq!(
            select(&plan, &rerun, None).unwrap().to_run(),
            plan.checks.len()
        );

        let smoke = Selection {
            phases: vec!["smoke".into()],
            ..Selection::default()
        };
        let part = select(&plan, &smoke, None).unwrap();
        assert_eq!(part.to_run(), 1);
        assert_eq!(part.done[0].as_ref().unwrap().status, Status::NotRun);
        let line = format!("L{}", plan.items[1].line);
        let only = Selection {
            only: vec![line],
            ..Selection::default()
        };
        let part = select(&plan, &only, Some(&p)).unwrap();
        assert_eq!((part.to_run(), part.done[1].is_none()), (1, true));
        let bad = Selection {
            only: vec!["L9999".into()],
            ..Selection::default()
        };
        assert!(
            select(&plan, &bad, None)
                .unwrap_err()
                .to_string()
                .contains("L9999")
        );
        let bad = Selection {
            phases: vec!["Deploy".into()],
            ..Selection::default()
        };
        let e = select(&plan, &bad, None).unwrap_err().to_string();
        assert!(e.contains("“Checks”") && e.contains("“Smoke”"), "{e}");
        // A changed command is not the same check.
        let (_, edited) = plan_of(&DOC.replace("/version", "/version?v=2"));
        let part = select(&edited, &rerun, Some(&p)).unwrap();
        assert!(part.done[1].is_none());
    }

    #[test]
    fn release_keys() {
        assert_eq!(release_key(Some(" v2.1 "), Path::new("x.md"), "p"), "v2.1");
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        assert_eq!(
            release_key(None, &here, "staging"),
            "crates/greenlight-run/Cargo.toml@staging"
        );
    }
}
