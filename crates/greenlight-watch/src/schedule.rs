//! A watch window's length and its checkpoints, read from the document.
//!
//! - The window: the time budget of a monitoring section's heading
//!   (`## 6. 48-HOUR MONITORING WINDOW`, `### Production Monitoring (First
//!   24 hours)`, `### 監控指標 (24 小時內)`); the longest one wins.
//! - Checkpoints: items of monitoring sections that name a point in the
//!   window at their start (`**Hour 6:** Verify user traffic patterns
//!   normal`, `T+30m: …`), and headings of monitoring and post-deployment
//!   sections that name one anywhere (`### First Hour`, `## Post-Deployment
//!   (Extended - Within 30 Minutes)`, `### T+1 Hour: Early Operations`).
//!   Each becomes a scheduled evaluation at that offset from the window's
//!   start; the heading that states the window is not one. A heading with `T+N` is a checkpoint wherever it is, except in a
//!   rollback procedure.
//! - What names a span rather than a point (`Within 1-2 hours`, `Week 2`) is
//!   reported in [`Schedule::unread`], never guessed.

use crate::thresholds::is_watch_title;
use greenlight_doc::budget::find_budget;
use greenlight_doc::{Checklist, SectionKind};
use serde::Serialize;

/// One scheduled evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkpoint {
    /// Offset from the start of the window, in seconds.
    pub after_secs: u64,
    /// 1-based line of the item or heading that states it.
    pub line: usize,
    /// The item's ID, or the heading's (phase) ID for a heading.
    pub item: String,
    /// The words that name the point in time, such as `Hour 6`.
    pub label: String,
    /// The item's text or the heading's title.
    pub text: String,
}

/// A line that names a time in the window but no single point of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadTime {
    pub line: usize,
    pub text: String,
    pub reason: &'static str,
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
    /// Times that could not be read as one point, by line.
    pub unread: Vec<UnreadTime>,
}

/// Reads the window and its checkpoints.
pub fn read_schedule(doc: &Checklist) -> Schedule {
    let mut schedule = Schedule::default();
    for phase in &doc.phases {
        let budget = match phase.kind {
            SectionKind::Monitoring => phase
                .budget_seconds
                .zip(phase.budget_text.clone())
                .or_else(|| cjk_budget(&phase.title)),
            SectionKind::Normal if names_monitoring(&phase.title) => cjk_budget(&phase.title),
            _ => None,
        };
        if let Some((secs, text)) = budget
            && schedule.window_secs.is_none_or(|w| secs > w)
        {
            schedule.window_secs = Some(secs);
            schedule.window_line = Some(phase.line);
            schedule.window_text = Some(text);
        }
    }
    for (p, phase) in doc.phases.iter().enumerate() {
        // The heading that states the window is the window, not a point in
        // it: `## Post-Deployment Monitoring (First 1 hour)`.
        if phase.kind == SectionKind::Rollback || schedule.window_line == Some(phase.line) {
            continue;
        }
        let watch = phase.kind == SectionKind::Monitoring
            || doc.phase_path(p).iter().any(|ph| is_watch_title(&ph.title));
        match time_in_heading(&phase.title) {
            Some(Ok(point)) if watch || point.1.to_ascii_lowercase().starts_with("t+") => {
                schedule.checkpoints.push(Checkpoint {
                    after_secs: point.0,
                    line: phase.line,
                    item: phase.id.clone(),
                    label: point.1,
                    text: phase.title.clone(),
                });
            }
            Some(Err(reason)) if watch => schedule.unread.push(UnreadTime {
                line: phase.line,
                text: phase.title.clone(),
                reason,
            }),
            _ => {}
        }
    }
    for item in doc
        .items
        .iter()
        .filter(|i| i.section == SectionKind::Monitoring)
    {
        match point_in_time(&item.text) {
            Some(Ok((after_secs, label))) => schedule.checkpoints.push(Checkpoint {
                after_secs,
                line: item.line,
                item: item.id.clone(),
                label,
                text: item.text.clone(),
            }),
            Some(Err(reason)) => schedule.unread.push(UnreadTime {
                line: item.line,
                text: item.text.clone(),
                reason,
            }),
            None => {}
        }
    }
    schedule.checkpoints.sort_by_key(|c| (c.after_secs, c.line));
    schedule.unread.sort_by_key(|u| u.line);
    schedule
}

/// Whether a heading names monitoring in a language the parser's section
/// kinds do not read (`監控指標`, `Monitoreo`).
fn names_monitoring(title: &str) -> bool {
    let t = title.to_lowercase();
    [
        "监控",
        "監控",
        "모니터링",
        "監視",
        "モニタリング",
        "мониторинг",
        "monitoreo",
        "monitoramento",
        "monitoraggio",
        "überwachung",
        "surveillance",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// `24 小時內`, `30 分鐘`, `2 天`: a budget in Chinese units.
fn cjk_budget(title: &str) -> Option<(u64, String)> {
    let chars: Vec<(usize, char)> = title.char_indices().collect();
    for (k, &(start, c)) in chars.iter().enumerate() {
        if !c.is_ascii_digit() || (k > 0 && chars[k - 1].1.is_ascii_digit()) {
            continue;
        }
        let digits: String = chars[k..]
            .iter()
            .map(|x| x.1)
            .take_while(char::is_ascii_digit)
            .collect();
        let rest = title[start + digits.len()..].trim_start();
        for (unit, secs) in [
            ("小時", 3600),
            ("小时", 3600),
            ("分鐘", 60),
            ("分钟", 60),
            ("天", 86_400),
        ] {
            if rest.starts_with(unit) {
                let end = title.len() - rest.len() + unit.len();
                let n: u64 = digits.parse().ok()?;
                return Some((n * secs, title[start..end].to_string()));
            }
        }
    }
    None
}

/// A point in time named anywhere in a heading: tries every word start.
fn time_in_heading(title: &str) -> Option<Result<(u64, String), &'static str>> {
    let mut at_word = true;
    for (i, c) in title.char_indices() {
        if at_word
            && c.is_alphabetic()
            && let Some(found) = point_in_time(&title[i..])
        {
            return Some(found);
        }
        at_word = !c.is_alphanumeric() && c != '+' && c != '-';
    }
    None
}

/// `Hour 6: …`, `Day 2 …`, `Minute 15 …`, `After 15 minutes: …`,
/// `Within 30 minutes`, `First 24 hours`, `First hour`, `T+30m …` at the
/// start of a text. `Err` for a span that is no single point (`Within 1-2
/// hours`, `Week 2`).
fn point_in_time(text: &str) -> Option<Result<(u64, String), &'static str>> {
    let t = text.trim_start();
    let lower = t.to_ascii_lowercase();
    for (word, unit) in [("hour", 3600), ("day", 86_400), ("minute", 60)] {
        if let Some(rest) = lower.strip_prefix(word) {
            let rest = rest.trim_start_matches(' ');
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            if let Ok(n) = digits.parse::<u64>() {
                if rest[digits.len()..]
                    .trim_start()
                    .strip_prefix(['-', '–'])
                    .is_some_and(|r| r.trim_start().starts_with(|c: char| c.is_ascii_digit()))
                {
                    return Some(Err("a range names a span, not a point in time"));
                }
                let end = lower.len() - rest.len() + digits.len();
                return Some(Ok((n * unit, t[..end].to_string())));
            }
        }
    }
    if let Some(rest) = lower.strip_prefix("week")
        && rest.trim_start().starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(Err("a week names a span, not a point in time"));
    }
    if lower.starts_with("first week") {
        return Some(Err("a week names a span, not a point in time"));
    }
    for (word, unit) in [("first hour", 3600), ("first day", 86_400)] {
        if lower.starts_with(word)
            && !lower[word.len()..].starts_with(|c: char| c.is_alphanumeric())
        {
            return Some(Ok((unit, t[..word.len()].to_string())));
        }
    }
    for lead in ["after ", "within ", "first ", "t+", "t + "] {
        let Some(rest) = lower.strip_prefix(lead) else {
            continue;
        };
        let budget = find_budget(rest)?;
        if !rest.starts_with(budget.text.to_ascii_lowercase().as_str()) {
            return None;
        }
        let range = budget.text.find(['-', '–', '—']).is_some_and(|dash| {
            budget.text[dash..]
                .trim_start_matches(['-', '–', '—', ' '])
                .starts_with(|c: char| c.is_ascii_digit())
        });
        if range {
            return Some(Err("a range names a span, not a point in time"));
        }
        let end = lead.len() + budget.text.len();
        return Some(Ok((budget.seconds, t[..end].to_string())));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{cjk_budget, point_in_time, read_schedule, time_in_heading};

    fn point(text: &str) -> Option<(u64, String)> {
        point_in_time(text).and_then(Result::ok)
    }

    #[test]
    fn points_in_time_at_the_start_of_an_item() {
        assert_eq!(
            point("Hour 6: Verify user traffic patterns normal"),
            Some((6 * 3600, "Hour 6".into()))
        );
        assert_eq!(
            point("After 15 minutes: error rate below 1%"),
            Some((900, "After 15 minutes".into()))
        );
        assert_eq!(point("Day 2 review"), Some((2 * 86_400, "Day 2".into())));
        assert_eq!(point("T+30m: dashboards"), Some((1800, "T+30m".into())));
        assert_eq!(
            point("Within 15 minutes: smoke"),
            Some((900, "Within 15 minutes".into()))
        );
        assert_eq!(point("Hourly dashboards reviewed"), None);
        assert_eq!(point("Check the 6 hour graph"), None);
        assert_eq!(point("First users logged in successfully"), None);
    }

    #[test]
    fn spans_are_not_points() {
        // a17_pm-golive-template.md L785: `Week 2 review meeting`.
        assert!(matches!(
            point_in_time("Week 2 review meeting"),
            Some(Err(_))
        ));
        assert!(matches!(point_in_time("Within 1-2 hours"), Some(Err(_))));
        // a17_pm-golive-template.md L747: `Day 1-7 (First Week)`.
        assert!(matches!(
            point_in_time("Day 1-7 (First Week)"),
            Some(Err(_))
        ));
    }

    #[test]
    fn points_in_time_in_headings_of_the_corpus() {
        let at = |t: &str| time_in_heading(t).and_then(Result::ok).map(|p| p.0);
        // a12_servicecrm-deployment-checklist.md L99 and L105.
        assert_eq!(at("First Hour"), Some(3600));
        assert_eq!(at("First 24 Hours"), Some(86_400));
        // a10_wimd-deployment-verification.md L63, L164, L240.
        assert_eq!(
            at("Post-Deployment (Immediate - Within 5 Minutes)"),
            Some(300)
        );
        assert_eq!(
            at("Post-Deployment (Extended - Within 30 Minutes)"),
            Some(1800)
        );
        assert_eq!(
            at("Post-Deployment (Final - Within 24 Hours)"),
            Some(86_400)
        );
        // a17_pm-golive-template.md L603, L654; L407 is before the release.
        assert_eq!(at("T+1 Hour: Early Operations"), Some(3600));
        assert_eq!(at("End of Day (T+8 Hours)"), Some(8 * 3600));
        assert_eq!(at("T-4 Hours: Pre-Deployment"), None);
        // a19_hummii-deployment-runbook.md L346.
        assert_eq!(at("Immediate (First Hour)"), Some(3600));
        // Not points: a window, a version, a budget.
        assert_eq!(at("6. 48-HOUR MONITORING WINDOW"), None);
        assert_eq!(at("Release v8.0.0"), None);
        assert_eq!(at("Deploy to Production (3 minutes)"), None);
    }

    #[test]
    fn chinese_window() {
        // b24_zhtw-quick-deploy-checklist.md L78.
        assert_eq!(
            cjk_budget("監控指標 (24 小時內)"),
            Some((86_400, "24 小時".into()))
        );
        let s = read_schedule(&greenlight_doc::parse(
            "# R\n\n### 監控指標 (24 小時內)\n\n- [ ] 錯誤率 < 1%\n".as_bytes(),
        ));
        assert_eq!((s.window_secs, s.window_line), (Some(86_400), Some(3)));
    }

    #[test]
    fn the_briefs_checkpoint_forms() {
        let s = read_schedule(&greenlight_doc::parse(
            "# R\n\n## Post-deployment monitoring (48 hours)\n\n- [ ] Within 15 minutes: smoke\n- [ ] T+30m: dashboards\n- [ ] Day 1: review\n\n### First 24 hours\n\n- [ ] RTO defined (4 hours)\n".as_bytes(),
        ));
        let at: Vec<_> = s
            .checkpoints
            .iter()
            .map(|c| (c.after_secs, c.line, c.label.as_str()))
            .collect();
        assert_eq!(
            at,
            vec![
                (900, 5, "Within 15 minutes"),
                (1800, 6, "T+30m"),
                (86_400, 7, "Day 1"),
                (86_400, 9, "First 24 hours"),
            ]
        );
        // The window's own heading is no checkpoint in it.
        let s = read_schedule(&greenlight_doc::parse(
            "# R\n\n## Post-Deployment Monitoring (First 1 hour)\n\n- [ ] Minute 10: health\n- [ ] Hour 1: traffic\n".as_bytes(),
        ));
        assert_eq!(s.window_secs, Some(3600));
        assert_eq!(
            s.checkpoints
                .iter()
                .map(|c| c.label.as_str())
                .collect::<Vec<_>>(),
            ["Minute 10", "Hour 1"]
        );
        assert!(s.unread.is_empty(), "{:?}", s.unread);
    }

    #[test]
    fn rollback_timelines_are_no_checkpoints() {
        let s = read_schedule(&greenlight_doc::parse(
            "# R\n\n## Post-deployment monitoring (48 hours)\n\n### First Hour\n\n- [ ] Hour 6: traffic normal\n\n## Rollback\n\n### Within 5 minutes\n\n- [ ] Revert\n".as_bytes(),
        ));
        let at: Vec<_> = s
            .checkpoints
            .iter()
            .map(|c| (c.after_secs, c.line))
            .collect();
        assert_eq!(at, vec![(3600, 5), (6 * 3600, 7)]);
        assert_eq!(s.window_secs, Some(48 * 3600));
    }
}
