//! Annotation comments (`expect status=200, under 300ms`,
//! `eventually 30s every 1s`) and `TLS >= 1.2` in item text.

use crate::check::Expectation;
use crate::profile::Eventually;

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

/// `TLS version >= 1.2`, `TLS ≥ 1.2`, `TLS 1.2+` → `1.2`.
pub(super) fn tls_minimum(text: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
