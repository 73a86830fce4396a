//! Time budgets stated in headings: `(5 min)`, `*(15 minutes)*`,
//! `(< 5 minutes)`, `45-60 minutes`, `(First 10 minutes)`, `48-HOUR`.

/// A budget found in a heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Upper bound, in seconds.
    pub seconds: u64,
    /// The words it was read from, e.g. `45-60 minutes`.
    pub text: String,
}

/// Finds the first `N unit` or `N-M unit` in `text`.
pub fn find_budget(text: &str) -> Option<Budget> {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].1.is_ascii_digit() || (i > 0 && is_word_char(chars[i - 1].1)) {
            i += 1;
            continue;
        }
        let start = chars[i].0;
        let (first, mut j) = read_number(&chars, i);
        let mut upper = first;
        // Optional range: `45-60`, `45 – 60`, `45 to 60`.
        let k = skip_spaces(&chars, j);
        if k < chars.len() && matches!(chars[k].1, '-' | '–' | '—') {
            let k2 = skip_spaces(&chars, k + 1);
            if k2 < chars.len() && chars[k2].1.is_ascii_digit() {
                let (second, after) = read_number(&chars, k2);
                upper = second.max(first);
                j = after;
            }
        }
        // The unit may follow a space or a hyphen (`48-HOUR`).
        let mut u = skip_spaces(&chars, j);
        if u < chars.len() && chars[u].1 == '-' {
            u += 1;
        }
        let word_end = (u..chars.len())
            .find(|&x| !chars[x].1.is_alphabetic())
            .unwrap_or(chars.len());
        if word_end > u {
            let word: String = chars[u..word_end]
                .iter()
                .map(|c| c.1.to_ascii_lowercase())
                .collect();
            if let Some(unit) = unit_seconds(&word) {
                let end = if word_end < chars.len() {
                    chars[word_end].0
                } else {
                    text.len()
                };
                return Some(Budget {
                    seconds: upper.saturating_mul(unit),
                    text: text[start..end].to_string(),
                });
            }
        }
        i = j.max(i + 1);
    }
    None
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '.'
}

fn read_number(chars: &[(usize, char)], mut i: usize) -> (u64, usize) {
    let mut n: u64 = 0;
    while i < chars.len() && chars[i].1.is_ascii_digit() {
        n = n
            .saturating_mul(10)
            .saturating_add(u64::from(chars[i].1 as u8 - b'0'));
        i += 1;
    }
    (n, i)
}

fn skip_spaces(chars: &[(usize, char)], mut i: usize) -> usize {
    while i < chars.len() && chars[i].1 == ' ' {
        i += 1;
    }
    i
}

fn unit_seconds(word: &str) -> Option<u64> {
    Some(match word {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> Option<u64> {
        find_budget(s).map(|b| b.seconds)
    }

    #[test]
    fn reads_the_forms_the_seeds_use() {
        assert_eq!(secs("1. PRE-FLIGHT CHECKS *(5 minutes)*"), Some(300));
        assert_eq!(secs("Deploy (5 min)"), Some(300));
        assert_eq!(secs("Immediate Rollback *(< 5 minutes)*"), Some(300));
        assert_eq!(secs("Soak test 45-60 minutes"), Some(3600));
        assert_eq!(secs("Soak test 45 – 60 minutes"), Some(3600));
        assert_eq!(secs("6. 48-HOUR MONITORING WINDOW"), Some(48 * 3600));
        assert_eq!(secs("Immediate (Within 1 hour)"), Some(3600));
        assert_eq!(find_budget("x (15 minutes)").unwrap().text, "15 minutes");
    }

    #[test]
    fn ignores_numbers_without_units() {
        assert_eq!(secs("1. PRE-DEPLOYMENT VERIFICATION"), None);
        assert_eq!(secs("Release v8.0.0"), None);
        assert_eq!(secs("21. Pre-Production Sign-Off"), None);
        assert_eq!(secs("Step 3 of 5"), None);
        assert_eq!(secs("Port 5432 private"), None);
    }
}
