//! A watch window's length and its checkpoints, read from the document.
//!
//! - The window: the time budget of a monitoring section's heading
//!   (`## 6. 48-HOUR MONITORING WINDOW`, `### Production Monitoring (First
//!   24 hours)`); the longest one wins.
//! - Checkpoints: items of monitoring sections that name a point in the
//!   window (`**Hour 6:** Verify user traffic patterns normal`). Each becomes
//!   a scheduled evaluation at that offset from the window's start.

use greenlight_doc::{Checklist, SectionKind};
use serde::Serialize;

/// One scheduled evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkpoint {
    /// Offset from the start of the window, in seconds.
    pub after_secs: u64,
    /// 1-based line of the item that states it.
    pub line: usize,
    /// The item's ID.
    pub item: String,
    /// The words that name the point in time, such as `Hour 6`.
    pub label: String,
    /// The item's text.
    pub text: String,
}

/// What the document says about the watch window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// The window's length, when a monitoring heading states one.
    pub window_secs: Option<u64>,
    /// The heading's line and the words the length was read from.
    pub window_line: Option<usize>,
    pub window_text: Option<String>,
    /// Sorted by offset, then line.
    pub checkpoints: Vec<Checkpoint>,
}

/// Reads the window and its checkpoints.
pub fn read_schedule(doc: &Checklist) -> Schedule {
    let mut schedule = Schedule::default();
    for phase in doc
        .phases
        .iter()
        .filter(|p| p.kind == SectionKind::Monitoring)
    {
        if let Some(secs) = phase.budget_seconds
            && schedule.window_secs.is_none_or(|w| secs > w)
        {
            schedule.window_secs = Some(secs);
            schedule.window_line = Some(phase.line);
            schedule.window_text = phase.budget_text.clone();
        }
    }
    for item in doc
        .items
        .iter()
        .filter(|i| i.section == SectionKind::Monitoring)
    {
        if let Some((after_secs, label)) = point_in_time(&item.text) {
            schedule.checkpoints.push(Checkpoint {
                after_secs,
                line: item.line,
                item: item.id.clone(),
                label,
                text: item.text.clone(),
            });
        }
    }
    schedule.checkpoints.sort_by_key(|c| (c.after_secs, c.line));
    schedule
}

/// `Hour 6: …`, `Day 2 …`, `Minute 15 …`, `After 15 minutes: …`,
/// `T+30m …` at the start of an item's text.
fn point_in_time(text: &str) -> Option<(u64, String)> {
    let t = text.trim_start();
    let lower = t.to_ascii_lowercase();
    for (word, unit) in [("hour", 3600), ("day", 86_400), ("minute", 60)] {
        if let Some(rest) = lower.strip_prefix(word) {
            let rest = rest.trim_start_matches(' ');
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            if let Ok(n) = digits.parse::<u64>() {
                let end = lower.len() - rest.len() + digits.len();
                return Some((n * unit, t[..end].to_string()));
            }
        }
    }
    let rest = lower.strip_prefix("after ")?;
    let budget = greenlight_doc::budget::find_budget(rest)?;
    if !rest.starts_with(budget.text.to_ascii_lowercase().as_str()) {
        return None;
    }
    let end = "after ".len() + budget.text.len();
    Some((budget.seconds, t[..end].to_string()))
}

#[cfg(test)]
mod tests {
    use super::point_in_time;

    #[test]
    fn points_in_time_at_the_start_of_an_item() {
        assert_eq!(
            point_in_time("Hour 6: Verify user traffic patterns normal"),
            Some((6 * 3600, "Hour 6".into()))
        );
        assert_eq!(
            point_in_time("After 15 minutes: error rate below 1%"),
            Some((900, "After 15 minutes".into()))
        );
        assert_eq!(
            point_in_time("Day 2 review"),
            Some((2 * 86_400, "Day 2".into()))
        );
        assert_eq!(point_in_time("Hourly dashboards reviewed"), None);
        assert_eq!(point_in_time("Check the 6 hour graph"), None);
    }
}
