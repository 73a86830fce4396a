//! Secret values never appear in any output: every string that leaves the
//! run (terminal, reports, evidence) passes through a [`Redactor`].

/// Replaces every occurrence of a secret value with `[redacted]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

/// What a secret is replaced with.
pub const MASK: &str = "[redacted]";

impl Redactor {
    pub fn new(mut secrets: Vec<String>) -> Self {
        // Longest first, so a secret that contains another is masked whole.
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }

    /// Redacts every string inside a JSON value, keys included.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        if self.secrets.is_empty() {
            return;
        }
        match value {
            serde_json::Value::String(s) => *s = self.redact(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|v| self.redact_json(v)),
            serde_json::Value::Object(o) => {
                let entries: Vec<_> = std::mem::take(o).into_iter().collect();
                for (k, mut v) in entries {
                    self.redact_json(&mut v);
                    o.insert(self.redact(&k), v);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_occurrences_longest_first() {
        let r = Redactor::new(vec!["abc".into(), "abcdef".into(), String::new()]);
        assert_eq!(r.redact("x abcdef y abc"), "x [redacted] y [redacted]");
        let mut v = serde_json::json!({"abc": ["abc", 1, {"k": "zabcz"}]});
        r.redact_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"[redacted]": ["[redacted]", 1, {"k": "z[redacted]z"}]})
        );
    }
}
