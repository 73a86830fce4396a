//! Shell steps whose exit code does not say whether the check passed.
//!
//! A script's exit code is its last pipeline's (and with `pipefail`, which shell steps run
//! with, any failing command of that pipeline fails it). For some endings that code still says
//! nothing about what the author wanted to know:
//!
//! - a **filter** at the end (`… | wc -l`, `head`, `tail`, `sort`, `awk`, `jq` without `-e`,
//!   `grep -c`, `grep -v` …) exits 0 whatever it counted or printed;
//! - an **error search** (`docker compose logs | grep -iE "(error|exception)"`,
//!   `journalctl … | grep -i fail`) exits 0 exactly when errors *were* found: its honest reading
//!   is inverted (exit 1 with no output = no errors found);
//! - **`git status` / `git diff`** exit 0 with or without changes, while the written
//!   expectation is usually "no changes".
//!
//! [`reading`] tells these apart at plan time; [`adjust`] turns the step's written expectations
//! into output checks ([`Expectation::OutputEquals`], [`Expectation::OutputEmpty`],
//! [`Expectation::NoErrorMatches`]) or, when nothing checkable was written, into
//! [`Expectation::ReadOutput`], which leaves the step *needs review* with its output. Such a
//! step never passes on its exit code alone.

use crate::analyze::shell::{self, Simple};
use crate::check::Expectation;

/// How a shell step's success can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitReading {
    /// The exit code says it (`curl -f …`, `grep -q ready`, `git diff --quiet`).
    ExitCode,
    /// The last command is a filter: only its output tells.
    Filter {
        /// The last pipeline, as a reader would write it.
        pipeline: String,
        /// A `grep` in the pipeline may exit 1 for "no line matched", which `pipefail`
        /// cannot tell from a failing command.
        grep_inside: bool,
    },
    /// A search for error lines: exit 0 means errors were found.
    ErrorSearch { pipeline: String },
    /// `git status` / `git diff`: exit 0 with or without changes.
    GitChanges {
        pipeline: String,
        /// Prints nothing when there are no changes (`git diff`, `git status --porcelain`);
        /// plain `git status` says "nothing to commit" instead.
        empty_when_clean: bool,
    },
}

/// Programs that pass text through, whose exit code says nothing about what they printed.
const FILTERS: &[&str] = &[
    "wc", "head", "tail", "sort", "uniq", "cut", "tr", "cat", "tac", "awk", "gawk", "mawk", "nawk",
    "sed", "column", "nl", "rev", "fold", "fmt", "paste", "less", "more", "yq", "xxd", "od",
    "expand", "strings", "comm",
];

/// Words in a grep pattern that make it a search for errors.
const ERROR_WORDS: &[&str] = &[
    "error",
    "exception",
    "fail",
    "fatal",
    "panic",
    "critical",
    "traceback",
    "crash",
    "segfault",
    "warn",
];

/// Reads a script's last pipeline. Scripts that do not parse are read as [`ExitReading::ExitCode`]
/// (their analysis already flags them).
pub fn reading(script: &str) -> ExitReading {
    let Ok(parsed) = shell::parse(script) else {
        return ExitReading::ExitCode;
    };
    let Some(last) = parsed.commands.len().checked_sub(1) else {
        return ExitReading::ExitCode;
    };
    // A loop exits with its body's last command (`for …; do curl … | jq .x; sleep 60; done`
    // exits with `sleep`'s 0): a filter or an error search anywhere in it decides nothing by
    // exit code either.
    if has_loop(script) {
        let mut end = last;
        loop {
            let first = pipeline_start(&parsed.commands, end);
            let r = pipeline_reading(&parsed.commands[first..=end]);
            if r != ExitReading::ExitCode {
                return r;
            }
            match first.checked_sub(1) {
                Some(e) => end = e,
                None => return ExitReading::ExitCode,
            }
        }
    }
    let first = pipeline_start(&parsed.commands, last);
    pipeline_reading(&parsed.commands[first..=last])
}

/// The first command of the pipeline that ends at `last`: walk back while a command is fed by
/// the one before it.
fn pipeline_start(commands: &[Simple], last: usize) -> usize {
    let mut first = last;
    while first > 0 && commands[first].piped_from.is_some() {
        first -= 1;
    }
    first
}

/// Whether a script's last pipeline starts with `timeout N` around a command that would never
/// end by itself (`timeout 30 docker logs -f api | grep -c started`).
fn bounded_by_timeout(script: &str) -> bool {
    let Some(last) = crate::analyze::script::pipelines(script).pop() else {
        return false;
    };
    let Some(first) = crate::analyze::script::simple_commands(&last)
        .into_iter()
        .next()
    else {
        return false;
    };
    let Some(words) = crate::analyze::script::words(&first) else {
        return false;
    };
    let stripped = crate::analyze::classify::strip_wrappers(&words);
    let wrappers = &words[..words.len() - stripped.len()];
    wrappers.iter().any(|w| w == "timeout")
        && crate::analyze::hazards::never_ends(&stripped.join(" ")).is_some()
}

/// Whether a script has a `for`, `while` or `until` loop.
fn has_loop(script: &str) -> bool {
    crate::analyze::script::simple_commands(script)
        .iter()
        .any(|c| {
            matches!(c.split_whitespace().next(), Some("for" | "while" | "until"))
                && script.contains("done")
        })
}

fn pipeline_reading(pipe: &[Simple]) -> ExitReading {
    let Some(end) = pipe.last() else {
        return ExitReading::ExitCode;
    };
    let pipeline = pipe
        .iter()
        .map(|c| {
            c.words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(" | ");
    let grep_inside = pipe[..pipe.len() - 1].iter().any(|c| is_grep(program(c)));
    let prog = program(end);
    if is_grep(prog) {
        let g = grep_args(end);
        if g.pattern.as_deref().is_some_and(names_errors) && !g.invert {
            return ExitReading::ErrorSearch { pipeline };
        }
        if g.count || g.invert {
            return ExitReading::Filter {
                pipeline,
                grep_inside: true,
            };
        }
        return ExitReading::ExitCode;
    }
    if prog == "jq" {
        let exit_status = args(end).any(|a| {
            a == "--exit-status" || (a.starts_with('-') && !a.starts_with("--") && a.contains('e'))
        });
        if exit_status {
            return ExitReading::ExitCode;
        }
        return ExitReading::Filter {
            pipeline,
            grep_inside,
        };
    }
    if prog == "sed" && args(end).any(|a| a.starts_with("-i") || a == "--in-place") {
        return ExitReading::ExitCode;
    }
    if FILTERS.contains(&prog) {
        return ExitReading::Filter {
            pipeline,
            grep_inside,
        };
    }
    if prog == "git" {
        let mut rest = args(end).peekable();
        // Global options before the subcommand: `git -C dir status`, `git --no-pager diff`.
        let mut sub = None;
        while let Some(a) = rest.next() {
            if matches!(a, "-C" | "-c" | "--git-dir" | "--work-tree") {
                rest.next();
            } else if !a.starts_with('-') {
                sub = Some(a);
                break;
            }
        }
        let opts: Vec<&str> = rest.collect();
        match sub {
            Some("diff") if !opts.iter().any(|o| matches!(*o, "--quiet" | "--exit-code")) => {
                return ExitReading::GitChanges {
                    pipeline,
                    empty_when_clean: pipe.len() == 1,
                };
            }
            Some("status") => {
                let short = opts
                    .iter()
                    .any(|o| o.starts_with("--porcelain") || matches!(*o, "-s" | "--short"));
                return ExitReading::GitChanges {
                    pipeline,
                    empty_when_clean: short && pipe.len() == 1,
                };
            }
            _ => {}
        }
    }
    ExitReading::ExitCode
}

fn program(c: &Simple) -> &str {
    let word = c
        .words
        .iter()
        .find(|w| !w.assignment)
        .map_or("", |w| w.text.as_str());
    word.rsplit('/').next().unwrap_or(word)
}

fn args(c: &Simple) -> impl Iterator<Item = &str> {
    c.words
        .iter()
        .skip_while(|w| w.assignment)
        .skip(1)
        .map(|w| w.text.as_str())
}

fn is_grep(p: &str) -> bool {
    matches!(p, "grep" | "egrep" | "fgrep" | "zgrep" | "rg")
}

struct GrepArgs {
    pattern: Option<String>,
    count: bool,
    invert: bool,
}

fn grep_args(c: &Simple) -> GrepArgs {
    let mut g = GrepArgs {
        pattern: None,
        count: false,
        invert: false,
    };
    let mut it = args(c);
    while let Some(a) = it.next() {
        if let Some(p) = a.strip_prefix("--regexp=") {
            g.pattern.get_or_insert_with(|| p.to_string());
        } else if a == "--count" {
            g.count = true;
        } else if a == "--invert-match" {
            g.invert = true;
        } else if a == "--" {
            if let Some(p) = it.next() {
                g.pattern.get_or_insert_with(|| p.to_string());
            }
        } else if a.starts_with("--") {
        } else if let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) {
            g.count |= flags.contains('c');
            g.invert |= flags.contains('v');
            // The last flag of a cluster may take the next word (`-iE`, `-e PATTERN`, `-A 3`).
            if let Some(last) = flags.chars().last()
                && "efABCm".contains(last)
            {
                let value = it.next();
                if last == 'e'
                    && let Some(p) = value
                {
                    g.pattern.get_or_insert_with(|| p.to_string());
                }
            }
        } else if g.pattern.is_none() {
            g.pattern = Some(a.to_string());
        }
    }
    g
}

fn names_errors(pattern: &str) -> bool {
    let lower = pattern.to_lowercase();
    ERROR_WORDS.iter().any(|w| lower.contains(w))
}

/// Turns a shell step's expectations into what can be checked given how its success reads,
/// and says so in a plan note: `judged by output: …` or `needs review: …`. Steps whose exit
/// code tells are returned unchanged with no note.
pub fn adjust(script: &str, expect: Vec<Expectation>) -> (Vec<Expectation>, Option<String>) {
    // `timeout 30 tail -f …` ends with the timeout's 124, as written.
    let expect = if bounded_by_timeout(script) {
        expect
            .into_iter()
            .map(|e| match e {
                Expectation::Succeeds => Expectation::SucceedsOrTimesOut,
                other => other,
            })
            .collect()
    } else {
        expect
    };
    let reading = reading(script);
    let (pipeline, grep_inside) = match &reading {
        ExitReading::ExitCode => return (expect, None),
        ExitReading::Filter {
            pipeline,
            grep_inside,
        } => (pipeline.clone(), *grep_inside),
        ExitReading::ErrorSearch { pipeline } | ExitReading::GitChanges { pipeline, .. } => {
            (pipeline.clone(), false)
        }
    };
    let shown = crate::check::excerpt(&pipeline, 80);
    let mut out = Vec::new();
    let mut judged = false;
    for e in expect {
        match e {
            Expectation::Succeeds => {}
            Expectation::Contains { text } if is_number(&text) => {
                out.push(Expectation::OutputEquals { text });
                judged = true;
            }
            Expectation::Contains { .. } => {
                out.push(e);
                judged = true;
            }
            // Already read from the words by the expectation parser; plain
            // `git status` says "nothing to commit" when clean instead of
            // printing nothing.
            Expectation::OutputEmpty => {
                out.push(match &reading {
                    ExitReading::GitChanges {
                        empty_when_clean: false,
                        ..
                    } => Expectation::Contains {
                        text: "nothing to commit".into(),
                    },
                    _ => Expectation::OutputEmpty,
                });
                judged = true;
            }
            Expectation::OutputEquals { .. } => {
                out.push(e);
                judged = true;
            }
            Expectation::Unverifiable { ref text } => match output_words(text, &reading) {
                Some(checked) => {
                    out.push(checked);
                    judged = true;
                }
                None => out.push(e),
            },
            other => out.push(other),
        }
    }
    let error_search = matches!(reading, ExitReading::ErrorSearch { .. });
    if error_search && !judged {
        out.insert(0, Expectation::NoErrorMatches);
        let note = format!(
            "judged by output: `{shown}` searches for errors, so its exit 0 means errors were found; no match passes as \"no errors found\""
        );
        return (out, Some(note));
    }
    // With pipefail a non-zero exit still means a command failed, except a grep's
    // "no line matched" (exit 1), which cannot be told apart from a failure.
    let exit = if grep_inside || error_search {
        Expectation::SucceedsOrNoMatch
    } else {
        Expectation::Succeeds
    };
    out.insert(0, exit);
    let note = if judged {
        format!("judged by output: success cannot be read from the exit code of `{shown}`")
    } else {
        out.push(Expectation::ReadOutput {
            why: format!("success cannot be read from the exit code of `{shown}`"),
        });
        format!(
            "needs review: the exit code does not tell (`{shown}`) and no checkable expectation is written; check the output"
        )
    };
    (out, Some(note))
}

fn is_number(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty() && s.parse::<f64>().is_ok()
}

/// Written words that an output check can stand for: "no output", "No changes", "0".
fn output_words(text: &str, reading: &ExitReading) -> Option<Expectation> {
    let lower = text
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_lowercase();
    if is_number(&lower) {
        return Some(Expectation::OutputEquals { text: lower });
    }
    const EMPTY: &[&str] = &[
        "no output",
        "nothing",
        "empty",
        "empty output",
        "no results",
        "no lines",
        "no errors",
        "no matches",
        "none",
    ];
    const CLEAN: &[&str] = &[
        "no changes",
        "no diff",
        "no differences",
        "clean",
        "working tree clean",
        "nothing to commit",
        "no uncommitted changes",
        "no local changes",
    ];
    let says = |list: &[&str]| {
        list.iter()
            .any(|w| lower == *w || lower.starts_with(&format!("{w} ")))
    };
    match reading {
        ExitReading::GitChanges {
            empty_when_clean, ..
        } if says(CLEAN) || says(EMPTY) => Some(if *empty_when_clean {
            Expectation::OutputEmpty
        } else {
            Expectation::Contains {
                text: "nothing to commit".into(),
            }
        }),
        ExitReading::Filter { .. } | ExitReading::ErrorSearch { .. } if says(EMPTY) => {
            Some(Expectation::OutputEmpty)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(s: &str) -> bool {
        matches!(reading(s), ExitReading::Filter { .. })
    }

    #[test]
    fn filters_at_the_end() {
        for s in [
            "false | wc -l",
            "kubectl get pods | grep -v Running | wc -l",
            "docker ps | head -5",
            "tail -n 50 /var/log/app.log",
            "curl -s localhost/health | jq .status",
            "curl -s localhost/health | jq -r '.status'",
            "ps aux | awk '{print $2}' | sort | uniq",
            "cat /etc/hosts",
            "grep -c ready status.txt",
            "redis-cli info | grep -v '^#'",
            "echo x | cut -d: -f1 | tr a-z A-Z",
        ] {
            assert!(filter(s), "{s}: {:?}", reading(s));
        }
        assert!(matches!(
            reading("kubectl get pods | grep -v Running | wc -l"),
            ExitReading::Filter {
                grep_inside: true,
                ..
            }
        ));
        assert!(matches!(
            reading("false | wc -l"),
            ExitReading::Filter {
                grep_inside: false,
                ..
            }
        ));
    }

    /// a10: five `curl … | jq '.metrics'` a minute apart; the loop exits with `sleep`'s 0.
    #[test]
    fn loops_ending_in_something_else_still_hide_a_filter() {
        let a10 = "for i in {1..5}; do\n  echo \"Check $i:\"\n  curl -s https://x/health | jq '.metrics'\n  sleep 60\ndone\n";
        assert!(
            matches!(reading(a10), ExitReading::Filter { ref pipeline, .. } if pipeline.contains("jq")),
            "{:?}",
            reading(a10)
        );
        let (expect, note) = adjust(a10, vec![Expectation::Succeeds]);
        assert!(
            expect
                .iter()
                .any(|e| matches!(e, Expectation::ReadOutput { .. })),
            "{expect:?}"
        );
        assert!(note.is_some_and(|n| n.starts_with("needs review")));
        let errors = "for s in api worker; do docker compose logs $s | grep -i error; done";
        assert!(matches!(reading(errors), ExitReading::ErrorSearch { .. }));
        // A loop whose commands all tell by their exit code.
        assert_eq!(
            reading("for u in a b; do curl -fsS \"$u\" > /dev/null; done"),
            ExitReading::ExitCode
        );
        // Outside a loop, only the last pipeline counts, as before.
        assert_eq!(
            reading("curl -s x | jq .a\ncurl -fsS y"),
            ExitReading::ExitCode
        );
    }

    #[test]
    fn a_timeout_around_a_follow_may_end_it() {
        let (expect, _) = adjust("timeout 5 tail -f app.log", vec![Expectation::Succeeds]);
        assert_eq!(expect, vec![Expectation::SucceedsOrTimesOut]);
        // A timeout around a command that ends by itself still must succeed.
        let (expect, _) = adjust("timeout 5 curl -fsS x", vec![Expectation::Succeeds]);
        assert_eq!(expect, vec![Expectation::Succeeds]);
    }

    #[test]
    fn exit_code_tells() {
        for s in [
            "curl -fsS localhost/health",
            "curl -s localhost/health | grep -q healthy",
            "curl -s localhost/health | grep healthy",
            "curl -s localhost | jq -e '.ok'",
            "curl -s localhost | jq --exit-status .ok",
            "git diff --quiet",
            "git diff --exit-code HEAD",
            "sed -i s/a/b/ f",
            "pg_isready -h localhost",
            "echo 3 | wc -l; test -f x",
            "",
            "if then fi ((",
        ] {
            assert_eq!(reading(s), ExitReading::ExitCode, "{s}");
        }
    }

    #[test]
    fn error_searches() {
        for s in [
            "docker compose logs | grep -iE \"(error|exception)\"",
            "grep -iE \"(error|exception)\" /var/log/app.log",
            "journalctl -u app --since '1 hour ago' | grep -i fail",
            "kubectl logs deploy/api | grep -i -e panic",
            "grep -c ERROR app.log",
            "kubectl logs x | egrep 'FATAL|Traceback'",
            "grep -A 3 -i exception log.txt",
            "cargo build --all 2>&1 | grep warning",
        ] {
            assert!(
                matches!(reading(s), ExitReading::ErrorSearch { .. }),
                "{s}: {:?}",
                reading(s)
            );
        }
        // A file named error.log is not the pattern; an inverted search is a filter.
        assert_eq!(reading("grep -q started error.log"), ExitReading::ExitCode);
        assert!(filter("grep -v error app.log"));
    }

    #[test]
    fn git_status_and_diff() {
        let g = |s: &str| match reading(s) {
            ExitReading::GitChanges {
                empty_when_clean, ..
            } => Some(empty_when_clean),
            _ => None,
        };
        assert_eq!(g("git status --porcelain"), Some(true));
        assert_eq!(g("git -C repo status -s"), Some(true));
        assert_eq!(g("git status"), Some(false));
        assert_eq!(g("git diff"), Some(true));
        assert_eq!(g("git --no-pager diff --stat HEAD~1"), Some(true));
        assert_eq!(g("git diff | head"), None, "a filter at the end");
        assert_eq!(g("git diff --quiet"), None);
        assert_eq!(g("git log -1"), None);
    }

    #[test]
    fn adjust_turns_written_words_into_output_checks() {
        let un = |t: &str| Expectation::Unverifiable { text: t.into() };
        let (e, note) = adjust(
            "echo 3 | wc -l",
            vec![
                Expectation::Succeeds,
                Expectation::Contains { text: "1".into() },
            ],
        );
        assert_eq!(
            e,
            vec![
                Expectation::Succeeds,
                Expectation::OutputEquals { text: "1".into() }
            ]
        );
        assert!(note.unwrap().starts_with("judged by output"));

        let (e, _) = adjust("git status --porcelain", vec![un("No changes")]);
        assert_eq!(e, vec![Expectation::Succeeds, Expectation::OutputEmpty]);
        let (e, _) = adjust("git status", vec![un("no changes.")]);
        assert_eq!(
            e,
            vec![
                Expectation::Succeeds,
                Expectation::Contains {
                    text: "nothing to commit".into()
                }
            ]
        );
        let (e, _) = adjust("kubectl get pods | grep -v Running", vec![un("no output")]);
        assert_eq!(
            e,
            vec![Expectation::SucceedsOrNoMatch, Expectation::OutputEmpty]
        );
        // Words it cannot check stay, and the step still needs review.
        let (e, note) = adjust("ps aux | wc -l", vec![un("a sensible number")]);
        assert!(e.contains(&un("a sensible number")));
        assert!(
            e.iter()
                .any(|x| matches!(x, Expectation::ReadOutput { .. }))
        );
        assert!(note.unwrap().starts_with("needs review"));
    }

    #[test]
    fn adjust_without_expectation() {
        let (e, note) = adjust("false | wc -l", vec![Expectation::Succeeds]);
        assert_eq!(e[0], Expectation::Succeeds);
        assert!(matches!(e[1], Expectation::ReadOutput { .. }));
        assert!(note.unwrap().contains("`false | wc -l`"));

        let (e, note) = adjust(
            "docker compose logs | grep -iE \"(error|exception)\"",
            vec![Expectation::Succeeds],
        );
        assert_eq!(e, vec![Expectation::NoErrorMatches]);
        assert!(note.unwrap().contains("no errors found"));

        let before = vec![
            Expectation::Succeeds,
            Expectation::Contains { text: "ok".into() },
        ];
        let (e, note) = adjust("curl -fs localhost/x", before.clone());
        assert_eq!((e, note), (before, None));
    }
}
