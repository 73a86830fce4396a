//! The corpus of expectation sentences (fixtures/expectations): every
//! sentence that states an expected result gives an expectation, understood
//! or left for review, and none is dropped; sentences that state none give
//! nothing, so they never become review noise.

use greenlight_run::analyze::expect::{parse_comment, parse_expectation, parse_label, quantified};
use greenlight_run::check::Expectation;

fn corpus() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/expectations/sentences.tsv"
    );
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_stated_expectation_is_understood_or_left_for_review() {
    let text = corpus();
    let mut problems = Vec::new();
    let mut languages = std::collections::BTreeSet::new();
    let mut rows = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (want, lang, sentence, source, means) = match cols[..] {
            [w, l, s, src] => (w, l, s, src, None),
            [w, l, s, src, m] => (w, l, s, src, Some(m)),
            _ => {
                problems.push(format!("malformed row: {line}"));
                continue;
            }
        };
        rows += 1;
        languages.insert(lang);
        // Inside a block (a comment) and below a block (a bullet or label);
        // a line of the list under a label (`**Verify response:**`) is read
        // as the label's body.
        let under_label = source.contains("(under ");
        let in_comment = if under_label {
            Some(if quantified(sentence) {
                vec![Expectation::Unverifiable {
                    text: sentence.to_string(),
                }]
            } else {
                parse_expectation(sentence, false)
            })
        } else {
            parse_comment(sentence)
        };
        let as_label = if under_label {
            in_comment.clone()
        } else {
            parse_label(sentence)
        };
        if let Some(means) = means {
            let got = in_comment
                .iter()
                .flatten()
                .map(Expectation::describe)
                .collect::<Vec<_>>()
                .join(" | ");
            if got != means {
                problems.push(format!(
                    "[{lang}] {sentence:?} means {got:?}, want {means:?}"
                ));
            }
        }
        let understood = |e: &Option<Vec<Expectation>>| {
            e.as_ref().is_some_and(|v| {
                v.iter()
                    .any(|x| !matches!(x, Expectation::Unverifiable { .. }))
            })
        };
        let ok = match want {
            "understood" => understood(&in_comment),
            "review" => in_comment.as_ref().is_some_and(|v| !v.is_empty()),
            "none" => in_comment.is_none() && as_label.is_none(),
            other => {
                problems.push(format!("unknown want {other:?}: {line}"));
                continue;
            }
        };
        if !ok {
            problems.push(format!("{want} [{lang}] {sentence:?} → {in_comment:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(rows >= 60, "{rows} rows");
    for lang in [
        "en", "de", "fr", "es", "pt", "tr", "ko", "ja", "zh", "zh-Hant", "it", "ru", "vi", "id",
    ] {
        assert!(languages.contains(lang), "no sentence in {lang}");
    }
}

#[test]
fn the_reported_shapes_become_the_right_expectations() {
    use serde_json::json;
    assert_eq!(
        parse_comment(r#"Sollte zeigen: "hasJwtSecret": true"#),
        Some(vec![Expectation::JsonSubset {
            json: json!({"hasJwtSecret": true})
        }])
    );
    assert_eq!(
        parse_label("- Expected: No changes"),
        Some(vec![Expectation::OutputEmpty])
    );
    assert_eq!(
        parse_comment("response time should be < 200ms"),
        Some(vec![Expectation::LatencyUnder { ms: 200 }])
    );
    assert_eq!(
        parse_comment("Test health endpoint - should return JSON with status"),
        Some(vec![Expectation::Unverifiable {
            text: "Test health endpoint - should return JSON with status".into()
        }])
    );
    assert_eq!(
        parse_comment("헬스 체크 - 200 OK를 반환해야 합니다"),
        Some(vec![Expectation::Status { code: 200 }])
    );
}

#[test]
fn no_output_is_judged_on_the_output() {
    use greenlight_run::check::{Observation, judge};
    use greenlight_run::outcome::Status;
    let empty = Observation {
        body: " \n".into(),
        ..Observation::default()
    };
    let changed = Observation {
        body: "M src/main.rs\n".into(),
        ..Observation::default()
    };
    assert_eq!(
        judge(&[Expectation::OutputEmpty], &empty).status,
        Status::Passed
    );
    assert_eq!(
        judge(&[Expectation::OutputEmpty], &changed).status,
        Status::Failed
    );
}
