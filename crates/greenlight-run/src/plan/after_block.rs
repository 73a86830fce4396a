//! Expectations people write after a code block, in the paragraph or list
//! directly below it: `- Expected: No changes`, `**Expected:** 200 OK`,
//! `Expected output:` followed by a list. Each one is understood or left
//! for review; none is dropped.

use crate::analyze::expect;
use crate::check::Expectation;

/// The expectations in the lines after a block ([`greenlight_doc::Step::after`]).
/// A line offering boxes to tick (`[ ] PASS / [ ] FAIL`, `☐ ja ☐ nein`).
fn is_choice_line(line: &str) -> bool {
    ["[ ]", "[x]", "[X]", "☐", "☑", "☒", "⬜"]
        .iter()
        .map(|b| line.matches(b).count())
        .sum::<usize>()
        >= 2
}

pub(super) fn expectations(lines: &[String]) -> Vec<Expectation> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let line = &lines[k];
        k += 1;
        if is_choice_line(line) {
            // `**Sonuç:** [ ] BAŞARILI / [ ] BAŞARISIZ`: a record a person
            // fills in (an item of its own), not what the block must show.
            continue;
        }
        if is_fence(line) {
            // A block that follows no label is another command, not the
            // expectation of this one: its comments are its own.
            k = skip_fence(lines, k);
        } else if expect::is_bare_label(line) {
            let label = expect::without_markup(line);
            if k < lines.len() && is_fence(&lines[k]) {
                // `Réponse attendue :` then a fenced body or output.
                let end = skip_fence(lines, k + 1);
                let body: Vec<&str> = lines[k + 1..end]
                    .iter()
                    .map(String::as_str)
                    .filter(|l| !is_fence(l))
                    .collect();
                out.extend(fenced_body(label, &body));
                k = end;
                continue;
            }
            // The lines up to the next label state it.
            let mut body: Vec<&str> = Vec::new();
            while k < lines.len()
                && !is_fence(&lines[k])
                && expect::parse_label(&lines[k]).is_none()
                && !expect::is_bare_label(&lines[k])
            {
                body.push(without_task_box(expect::without_markup(&lines[k])));
                k += 1;
            }
            if body.is_empty() {
                out.push(Expectation::Unverifiable {
                    text: format!("{label} (stated below the block, not read)"),
                });
            }
            for b in body {
                if expect::quantified(b) {
                    out.push(Expectation::Unverifiable {
                        text: b.to_string(),
                    });
                } else {
                    out.extend(expect::parse_expectation(b, false));
                }
            }
        } else if let Some(found) = expect::parse_label(line) {
            out.extend(found);
        } else if let Some(text) = code_subject_sentence(line) {
            out.push(Expectation::Unverifiable { text });
        }
    }
    out
}

/// `` * `billing-demo` should be `Exited (0)` ``: a bullet whose subject is
/// a name from the output and whose verb states what it should read. Which
/// line of the output it means is for a person, so it is left for review.
fn code_subject_sentence(line: &str) -> Option<String> {
    let text = expect::without_markup(line);
    let rest = text.strip_prefix('`')?;
    let (_, after) = rest.split_once('`')?;
    let after = after.trim_start();
    // The modal follows the subject directly.
    let first = after.split_whitespace().next()?.to_lowercase();
    let modal = matches!(
        first.as_str(),
        "should" | "must" | "sollte" | "muss" | "devrait" | "doit" | "debería" | "debe" | "deve"
    );
    modal.then(|| text.to_string())
}

/// Whether a block is the expected output of the block above it (a label
/// such as `Expected response:` stands between them): it is read as that
/// block's expectation, never run or counted as a script.
pub(super) fn is_expected_output(step: &greenlight_doc::Step) -> bool {
    step.under_label
        .as_ref()
        .is_some_and(|(_, label)| expect::is_bare_label(label))
}

fn is_fence(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

/// The index after the closing fence of a block whose content starts at `k`.
fn skip_fence(lines: &[String], mut k: usize) -> usize {
    while k < lines.len() {
        k += 1;
        if is_fence(&lines[k - 1]) {
            break;
        }
    }
    k
}

/// `[ ] "ok": true` → `"ok": true`: a checkbox list under a label
/// (`**Verify response:**`) states what the response holds.
fn without_task_box(line: &str) -> &str {
    ["[ ]", "[x]", "[X]"]
        .iter()
        .find_map(|b| line.strip_prefix(b))
        .map_or(line, str::trim_start)
}

/// A fenced block under an expectation label: JSON is the body the
/// response must hold (placeholders allowed); one line of plain output
/// without numbers must appear in the output; anything else (sample
/// output with counts, several lines) is shown for review.
fn fenced_body(label: &str, body: &[&str]) -> Vec<Expectation> {
    let text = body.join("\n");
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return vec![Expectation::Unverifiable {
            text: format!("{label} (an empty block)"),
        }];
    }
    if trimmed.starts_with(['{', '['])
        && let Some(json) = crate::json_match::parse_lenient(trimmed)
    {
        return vec![Expectation::JsonSubset { json }];
    }
    let lines: Vec<&str> = body
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    if let [one] = lines[..]
        && !one.chars().any(|c| c.is_ascii_digit())
        && !one.contains(['<', '…'])
        && !one.contains("...")
    {
        return vec![Expectation::Contains {
            text: one.to_string(),
        }];
    }
    vec![Expectation::Unverifiable {
        text: format!("{label} {}", crate::check::excerpt(&lines.join(" / "), 200)),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_choice_a_person_ticks_is_not_an_expectation() {
        assert!(expectations(&lines(&["**Sonuç:** [ ] BAŞARILI / [ ] BAŞARISIZ"])).is_empty());
        assert!(expectations(&lines(&["Ergebnis: ☐ ok ☐ nicht ok"])).is_empty());
        assert_eq!(
            expectations(&lines(&["**Sonuç:** 200 OK"])),
            vec![Expectation::Status { code: 200 }]
        );
    }

    #[test]
    fn bullets_and_labels() {
        assert_eq!(
            expectations(&lines(&["- Expected: No changes"])),
            vec![Expectation::OutputEmpty]
        );
        assert_eq!(
            expectations(&lines(&["**Expected:** 200 OK", "Then move on."])),
            vec![Expectation::Status { code: 200 }]
        );
        assert_eq!(
            expectations(&lines(&["Expected output:", "- `200 OK`"])).len(),
            1
        );
        assert_eq!(
            expectations(&lines(&["**Expected output:**"])),
            vec![Expectation::Unverifiable {
                text: "Expected output: (stated below the block, not read)".into()
            }]
        );
        assert!(expectations(&lines(&["This deploys the service.", "- Step 2"])).is_empty());
    }

    #[test]
    fn a_label_then_a_fenced_body() {
        // b04: `Réponse attendue :` then a ```json block.
        assert_eq!(
            expectations(&lines(&[
                "Réponse attendue :",
                "```json",
                "{",
                "  \"status\": \"ok\",",
                "  \"timestamp\": \"2024-12-13T10:30:00.000Z\"",
                "}",
                "```",
            ])),
            vec![Expectation::JsonSubset {
                json: serde_json::json!({"status": "ok", "timestamp": "2024-12-13T10:30:00.000Z"})
            }]
        );
        // b05: sample output with counts is shown for review.
        assert_eq!(
            expectations(&lines(&[
                "**Erwartete Ausgabe:**",
                "```",
                "✅ 15 Tabellen erstellt",
                "✅ 16 Datensätze geladen",
                "```",
            ])),
            vec![Expectation::Unverifiable {
                text: "Erwartete Ausgabe: ✅ 15 Tabellen erstellt / ✅ 16 Datensätze geladen"
                    .into()
            }]
        );
        assert_eq!(
            expectations(&lines(&[
                "**Erwartete Ausgabe:**",
                "```",
                "✅ ALLE TESTS BESTANDEN!",
                "```"
            ])),
            vec![Expectation::Contains {
                text: "✅ ALLE TESTS BESTANDEN!".into()
            }]
        );
        // A block after ordinary prose is another command: its comments
        // are not this block's expectations.
        assert!(
            expectations(&lines(&[
                "Then run:",
                "```bash",
                "curl x # Expected: 500",
                "```"
            ]))
            .is_empty()
        );
    }

    #[test]
    fn a_checkbox_list_under_verify_response() {
        // a10: the list states what the response holds.
        let got = expectations(&lines(&[
            "**Verify response:**",
            "- [ ] Status code: 200 OK",
            "- [ ] `\"ok\": true`",
            "- [ ] `\"metrics.error_rate\"` < 0.05 (5%)",
            "- [ ] `\"metrics.p95_latency_ms\"` < 2000ms",
            "- [ ] `\"deployment.git_commit\"` matches your recent commit",
        ]));
        assert_eq!(got[0], Expectation::Status { code: 200 });
        assert_eq!(
            got[1],
            Expectation::JsonSubset {
                json: serde_json::json!({"ok": true})
            }
        );
        // Fields judged by words are for review, never `contains` of the key.
        assert!(
            got[2..]
                .iter()
                .all(|e| matches!(e, Expectation::Unverifiable { .. })),
            "{got:?}"
        );
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn a_named_line_of_the_output_is_for_review() {
        // a27: `docker ps -a | grep -E 'STATUS|…'` always matches its header.
        assert_eq!(
            expectations(&lines(&[
                "* `materialized` should be `up` (although see #4753)",
                "* `billing-demo` should be `Exited (0)`",
                "* Note: it is not necessary to verify the graphs",
            ])),
            vec![
                Expectation::Unverifiable {
                    text: "`materialized` should be `up` (although see #4753)".into()
                },
                Expectation::Unverifiable {
                    text: "`billing-demo` should be `Exited (0)`".into()
                },
            ]
        );
    }

    #[test]
    fn all_of_many_is_for_review() {
        // b08: "all services return {"status": "UP"}" after a loop.
        assert_eq!(
            expectations(&lines(&[
                "**예상 결과**: 모든 서비스가 `{\"status\": \"UP\"}` 반환"
            ])),
            vec![Expectation::Unverifiable {
                text: "모든 서비스가 `{\"status\": \"UP\"}` 반환".into()
            }]
        );
    }
}
