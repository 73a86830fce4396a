//! Pretty JSON of a large document or plan, written as it is made.
//!
//! `serde_json::to_value` of a whole checklist holds every item as a tree
//! of maps at once (5 GB for a million checkboxes). Here the big arrays are
//! turned into values one element at a time and written straight out; the
//! bytes are the same as `to_string_pretty(&to_value(x))`: keys sorted,
//! same indentation.

use greenlight_run::redact::Redactor;
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::io::Write;

/// A value of the top-level object: small parts whole, big arrays lazily.
pub enum Part<'a> {
    Whole(Value),
    Each(Lazy<'a>),
}

/// An array whose elements are made (and redacted) one at a time.
pub struct Lazy<'a> {
    len: usize,
    element: Box<dyn Fn(usize) -> serde_json::Result<Value> + 'a>,
}

impl<'a> Lazy<'a> {
    /// An array of `items`, each made a value as it is.
    pub fn of<T: Serialize>(items: &'a [T]) -> Self {
        Lazy {
            len: items.len(),
            element: Box::new(move |i| serde_json::to_value(&items[i])),
        }
    }

    /// An array of `items`, each made a value with its strings redacted by
    /// `redactor` and its field names kept.
    pub fn redacted<T: Serialize>(items: &'a [T], redactor: &'a Redactor) -> Self {
        Lazy {
            len: items.len(),
            element: Box::new(move |i| redactor.to_value(&items[i])),
        }
    }
}

impl Serialize for Lazy<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len))?;
        for i in 0..self.len {
            let v = (self.element)(i).map_err(S::Error::custom)?;
            seq.serialize_element(&v)?;
        }
        seq.end()
    }
}

impl Serialize for Part<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Part::Whole(v) => v.serialize(s),
            Part::Each(l) => l.serialize(s),
        }
    }
}

/// A JSON object whose entries are written in key order, as
/// `serde_json::Value` (a sorted map) writes them.
pub struct Object<'a>(Vec<(String, Part<'a>)>);

impl<'a> Object<'a> {
    /// The entries of `shell` (the value with its big arrays taken out),
    /// plus the lazy arrays under their keys; a key given twice keeps the
    /// later value, as a map would.
    pub fn new(shell: Value, lazy: Vec<(String, Lazy<'a>)>) -> Self {
        let mut entries: Vec<(String, Part<'a>)> = match shell {
            Value::Object(map) => map.into_iter().map(|(k, v)| (k, Part::Whole(v))).collect(),
            other => vec![(String::new(), Part::Whole(other))],
        };
        for (k, l) in lazy {
            entries.retain(|(e, _)| *e != k);
            entries.push((k, Part::Each(l)));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Object(entries)
    }

    /// Writes the object pretty-printed, then a newline.
    pub fn write_pretty(&self, out: &mut dyn Write) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n").map_err(serde_json::Error::io)
    }
}

impl Serialize for Object<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The `inspect --json` form of a checklist, `path` added.
pub fn write_checklist(
    out: &mut dyn Write,
    mut list: greenlight_doc::Checklist,
    path: &str,
) -> serde_json::Result<()> {
    let phases = std::mem::take(&mut list.phases);
    let items = std::mem::take(&mut list.items);
    let steps = std::mem::take(&mut list.steps);
    let tables = std::mem::take(&mut list.tables);
    let signoffs = std::mem::take(&mut list.signoffs);
    let annotations = std::mem::take(&mut list.annotations);
    let mut shell = serde_json::to_value(&list)?;
    drop(list);
    shell["path"] = Value::String(path.to_string());
    let lazy = vec![
        ("phases".to_string(), Lazy::of(&phases)),
        ("items".to_string(), Lazy::of(&items)),
        ("steps".to_string(), Lazy::of(&steps)),
        ("tables".to_string(), Lazy::of(&tables)),
        ("signoffs".to_string(), Lazy::of(&signoffs)),
        ("annotations".to_string(), Lazy::of(&annotations)),
    ];
    Object::new(shell, lazy).write_pretty(out)
}

/// The `plan --json` form of a plan, every string of data passed through
/// `redactor` (the plan's field names are kept, see [`Redactor::to_value`]).
pub fn write_plan(
    out: &mut dyn Write,
    mut plan: greenlight_run::plan::Plan,
    redactor: &Redactor,
) -> serde_json::Result<()> {
    let phases = std::mem::take(&mut plan.phases);
    let items = std::mem::take(&mut plan.items);
    let checks = std::mem::take(&mut plan.checks);
    let signoffs = std::mem::take(&mut plan.signoffs);
    let shell = redactor.to_value(&plan)?;
    drop(plan);
    let lazy = vec![
        ("phases".to_string(), Lazy::redacted(&phases, redactor)),
        ("items".to_string(), Lazy::redacted(&items, redactor)),
        ("checks".to_string(), Lazy::redacted(&checks, redactor)),
        ("signoffs".to_string(), Lazy::redacted(&signoffs, redactor)),
    ];
    Object::new(shell, lazy).write_pretty(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "---\nowner: ops\n---\n# Release \u{2705} v2\n\n## Checks (5 minutes) [blocker]\n\n- [ ] API up `GET /health`\n  - [x] nested \"quoted\"\n\n```bash\ncurl -s https://api.example.com/health\n# Expected: 200\n```\n<!-- greenlight: eventually 30s -->\n\n| Metric | Target | Critical |\n|---|---|---|\n| p95 | < 300ms | < 500ms |\n\n## Sign-off\n\n- [ ] Technical Lead: ____ Date: ____\n";

    #[test]
    fn checklist_json_is_the_value_form_byte_for_byte() {
        let list = greenlight_doc::parse(DOC.as_bytes());
        assert!(!list.items.is_empty() && !list.tables.is_empty() && !list.signoffs.is_empty());
        let mut value = serde_json::to_value(&list).unwrap();
        value["path"] = Value::String("x/DOC.md".into());
        let expected = serde_json::to_string_pretty(&value).unwrap() + "\n";
        let mut got = Vec::new();
        write_checklist(&mut got, list, "x/DOC.md").unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), expected);
    }

    #[test]
    fn plan_json_is_the_redacted_value_form_byte_for_byte() {
        let list = greenlight_doc::parse(DOC.as_bytes());
        let profile = greenlight_run::profile::Profile::default();
        let plan = crate::run_cmd::make_plan(&list, "DOC.md", &profile);
        assert!(!plan.checks.is_empty());
        // "health" is treated as a secret: it appears in values.
        let redactor = greenlight_run::redact::Redactor::new(vec!["health".into()]);
        let value = redactor.to_value(&plan).unwrap();
        let expected = serde_json::to_string_pretty(&value).unwrap() + "\n";
        assert!(expected.contains("[redacted]"));
        let mut got = Vec::new();
        write_plan(&mut got, plan, &redactor).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), expected);
    }

    #[test]
    fn empty_arrays_print_as_in_the_value_form() {
        let list = greenlight_doc::parse(b"just prose\n");
        let mut value = serde_json::to_value(&list).unwrap();
        value["path"] = Value::String("p".into());
        let expected = serde_json::to_string_pretty(&value).unwrap() + "\n";
        let mut got = Vec::new();
        write_checklist(&mut got, list, "p").unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), expected);
    }
}
