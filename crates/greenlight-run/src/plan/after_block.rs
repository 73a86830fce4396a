//! Expectations people write after a code block, in the paragraph or list
//! directly below it: `- Expected: No changes`, `**Expected:** 200 OK`,
//! `Expected output:` followed by a list. Each one is understood or left
//! for review; none is dropped.

use crate::analyze::expect;
use crate::check::Expectation;

/// The expectations in the lines after a block ([`greenlight_doc::Step::after`]).
pub(super) fn expectations(lines: &[String]) -> Vec<Expectation> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let line = &lines[k];
        k += 1;
        if expect::is_bare_label(line) {
            // The lines up to the next label state it.
            let mut body: Vec<&str> = Vec::new();
            while k < lines.len()
                && expect::parse_label(&lines[k]).is_none()
                && !expect::is_bare_label(&lines[k])
            {
                body.push(expect::without_markup(&lines[k]));
                k += 1;
            }
            if body.is_empty() {
                out.push(Expectation::Unverifiable {
                    text: format!(
                        "{} (stated below the block, not read)",
                        expect::without_markup(line)
                    ),
                });
            }
            for b in body {
                out.extend(expect::parse_expectation(b, false));
            }
        } else if let Some(found) = expect::parse_label(line) {
            out.extend(found);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| l.to_string()).collect()
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
}
