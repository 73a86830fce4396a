//! The errors of the window's sources, counted per origin (`promql L88`,
//! `probes`), so the live view and the summary can say why a gate shows
//! no value.

use greenlight_watch::source::SourceError;

/// One origin's errors: how many ticks failed and the last message.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCount {
    pub origin: String,
    pub count: u64,
    pub last: String,
}

/// Source errors of the whole window, in the order they first appeared.
#[derive(Debug, Default)]
pub struct SourceErrors {
    entries: Vec<ErrorCount>,
}

impl SourceErrors {
    /// Counts one tick's error of a source.
    pub fn record(&mut self, e: &SourceError) {
        match self.entries.iter_mut().find(|c| c.origin == e.origin) {
            Some(c) => {
                c.count += 1;
                c.last.clone_from(&e.message);
            }
            None => self.entries.push(ErrorCount {
                origin: e.origin.clone(),
                count: 1,
                last: e.message.clone(),
            }),
        }
    }

    /// `source promql L12: <last message> (3 ticks)`, one per origin.
    pub fn lines(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|c| {
                format!(
                    "source {}: {} ({} tick{} failed)",
                    c.origin,
                    c.last,
                    c.count,
                    if c.count == 1 { "" } else { "s" }
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(origin: &str, message: &str) -> SourceError {
        SourceError {
            origin: origin.into(),
            message: message.into(),
        }
    }

    #[test]
    fn errors_are_counted_per_origin_with_the_last_message() {
        let mut e = SourceErrors::default();
        e.record(&err("promql L12", "connection refused"));
        e.record(&err("probes", "timed out"));
        e.record(&err("promql L12", "no single finite value"));
        assert_eq!(
            e.lines(),
            [
                "source promql L12: no single finite value (2 ticks failed)",
                "source probes: timed out (1 tick failed)"
            ]
        );
    }
}
