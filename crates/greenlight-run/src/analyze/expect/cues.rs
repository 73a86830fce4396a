//! The words people use to say what a command should give, in English,
//! German, French, Spanish, Portuguese, Turkish, Korean, Japanese and
//! Chinese: labels (`Expected:`, `Erwartet:`, `期待値：`), verbs after a
//! modal (`should return`, `devrait afficher`), verbs that close the
//! sentence (`200 döndürmeli`, `200 OK를 반환해야 합니다`, `200を返す`),
//! latency limits and "no output" phrases.

use crate::check::Expectation;

/// A cue found in a line.
pub(super) struct Found<'a> {
    /// The words that state the expectation.
    pub rest: std::borrow::Cow<'a, str>,
    /// The cue opened the line (a label), rather than sitting inside a sentence.
    pub at_start: bool,
    /// Only output can be meant (`MUST SEE:`), never a status code.
    pub output_only: bool,
    /// An expectation the cue itself states (`should succeed`).
    pub fixed: Option<Expectation>,
}

/// Labels: only at the start of the line. `true`: a colon must follow.
const LABELS: &[(&str, bool)] = &[
    // English
    ("expected output", false),
    ("expected result", false),
    ("expected response", false),
    ("expected status", false),
    ("expected", false),
    ("expectation", false),
    ("expect", false),
    ("must see", false),
    ("should see", false),
    ("you should see", false),
    ("result", true),
    ("response", true),
    ("output", true),
    ("returns", false),
    ("verify response", true),
    ("verify output", true),
    ("acceptable", true),
    // German
    ("erwartetes ergebnis", false),
    ("erwartete ausgabe", false),
    ("erwartete antwort", false),
    ("erwartet", false),
    ("erwartung", false),
    ("ergebnis", true),
    ("ausgabe", true),
    // French
    ("résultat attendu", false),
    ("sortie attendue", false),
    ("réponse attendue", false),
    ("attendu", false),
    ("résultat", true),
    // Spanish / Portuguese
    ("resultado esperado", false),
    ("salida esperada", false),
    ("respuesta esperada", false),
    ("saída esperada", false),
    ("resposta esperada", false),
    ("esperado", false),
    ("resultado", true),
    ("estado esperado", false),
    ("versión esperada", false),
    ("version esperada", false),
    ("versão esperada", false),
    ("tiempo esperado", false),
    ("tempo esperado", false),
    ("código esperado", false),
    // Italian
    ("risultato atteso", false),
    ("output atteso", false),
    ("risposta attesa", false),
    ("atteso", false),
    // Russian
    ("ожидаемый результат", false),
    ("ожидаемый ответ", false),
    ("ожидаемый вывод", false),
    ("ожидается", false),
    // Vietnamese
    ("kết quả mong đợi", false),
    ("mong đợi", false),
    ("kỳ vọng", false),
    // Indonesian
    ("hasil yang diharapkan", false),
    ("diharapkan", false),
    // Turkish
    ("beklenen sonuç", false),
    ("beklenen çıktı", false),
    ("beklenen yanıt", false),
    ("beklenen", false),
    ("sonuç", true),
    // Korean
    ("예상 결과", false),
    ("기대 결과", false),
    ("예상 출력", false),
    ("예상 응답", false),
    ("기대값", false),
    ("예상", false),
    ("결과", true),
    // Japanese
    ("期待される結果", false),
    ("期待値", false),
    ("期待結果", false),
    ("期待", false),
    ("結果", true),
    ("出力", true),
    // Chinese
    ("预期结果", false),
    // Traditional Chinese
    ("預期結果", false),
    ("預期輸出", false),
    ("預期回應", false),
    ("預期", false),
    ("期望結果", false),
    ("輸出", true),
    ("预期输出", false),
    ("期望结果", false),
    ("预期", false),
    ("期望", false),
    ("结果", true),
    ("输出", true),
];

/// Modals and the verbs after them: the expectation follows.
const MODALS: &[&str] = &[
    "should",
    "must",
    "will",
    "sollte",
    "sollten",
    "muss",
    "müssen",
    "devrait",
    "devraient",
    "doit",
    "doivent",
    "debería",
    "deberia",
    "deberían",
    "debe",
    "deben",
    "deve",
    "devem",
    "deveria",
    "deveriam",
];
const VERBS: &[&str] = &[
    // English
    "return",
    "show",
    "print",
    "output",
    "respond with",
    "respond",
    "contain",
    "display",
    "give",
    "say",
    "see",
    "list",
    "be",
    "equal",
    "report",
    "yield",
    "read",
    // German (also the verb that closes the sentence: `sollte 200 liefern`)
    "zurückgeben",
    "zurückliefern",
    "zeigen",
    "anzeigen",
    "liefern",
    "enthalten",
    "ausgeben",
    "sein",
    "melden",
    "antworten",
    "ergeben",
    // French
    "retourner",
    "afficher",
    "renvoyer",
    "contenir",
    "répondre",
    "donner",
    "montrer",
    "être",
    // Spanish / Portuguese
    "devolver",
    "mostrar",
    "retornar",
    "contener",
    "responder",
    "imprimir",
    "ser",
    "conter",
    "exibir",
    "dar",
];
/// Verbs that say the expectation by themselves (`should succeed`).
const SUCCEED: &[&str] = &["succeed", "pass", "funktionieren", "réussir", "funcionar"];

/// Cues inside a sentence, expectation after: `…, returns 200`, `应返回 200`.
const PREFIX_ANYWHERE: &[&str] = &[
    "expected:",
    "expected to return",
    "expected to be",
    "expecting",
    "erwartet:",
    "attendu :",
    "attendu:",
    "esperado:",
    "beklenen:",
    "应该返回",
    "应返回",
    "应该显示",
    "应显示",
    "应该输出",
    "应输出",
    "应该包含",
    "应包含",
    "应该是",
    "应为",
    "期望:",
    "预期:",
    "预期：",
    "期望：",
    "預期:",
    "預期：",
    "atteso:",
    "ожидается:",
    "mong đợi:",
];
/// Cues that close a sentence, expectation before: `200 döndürmeli`.
const POSTFIX: &[&str] = &[
    // Turkish
    "döndürmelidir",
    "döndürmeli",
    "dönmelidir",
    "dönmeli",
    "göstermelidir",
    "göstermeli",
    "içermelidir",
    "içermeli",
    "vermelidir",
    "vermeli",
    "olmalıdır",
    "olmalı",
    "yazdırmalı",
    // Korean
    "반환해야",
    "반환되어야",
    "표시되어야",
    "출력되어야",
    "나와야",
    "응답해야",
    "보여야",
    "포함해야",
    "이어야",
    "여야",
    // Japanese
    "を返すべき",
    "を返すこと",
    "を返す",
    "が返されること",
    "が返される",
    "が返ること",
    "が返る",
    "と表示されるべき",
    "が表示されるべき",
    "表示されるべき",
    "と表示されること",
    "が表示されること",
    "と表示される",
    "が表示される",
    "表示される",
    "が出力される",
    "と出力される",
    "を含むこと",
    "を含む",
    "であること",
];

/// The ASCII bytes a phrase of `list` may match at (see [`match_at`]): its
/// first letter in either case, `k` and `K` for a phrase opening with the
/// Kelvin sign, every byte for an empty phrase. A phrase opening with
/// another non-ASCII letter never matches at an ASCII byte.
const fn first_bytes(lists: &[&[&str]]) -> u128 {
    let mut mask = 0u128;
    let mut l = 0;
    while l < lists.len() {
        let list = lists[l];
        let mut k = 0;
        while k < list.len() {
            let b = list[k].as_bytes();
            if b.is_empty() {
                return u128::MAX;
            }
            if b[0].is_ascii() {
                mask |= 1 << b[0].to_ascii_lowercase();
                mask |= 1 << b[0].to_ascii_uppercase();
            } else if b.len() >= 3 && b[0] == 0xE2 && b[1] == 0x84 && b[2] == 0xAA {
                mask |= 1 << b'k';
                mask |= 1 << b'K';
            }
            k += 1;
        }
        l += 1;
    }
    mask
}

/// The cues inside a sentence with the expectation after them.
const RETURNS: &[&str] = &["returns", "returning"];
const MODAL_OR_PREFIX_FIRST: u128 = first_bytes(&[MODALS, PREFIX_ANYWHERE, RETURNS]);
const POSTFIX_FIRST: u128 = first_bytes(&[POSTFIX]);

/// Whether no phrase of a list with first bytes `mask` can match at byte
/// `i` of `text`: the byte there is ASCII and none of them.
#[inline]
fn none_start_at(mask: u128, text: &str, i: usize) -> bool {
    text.as_bytes()
        .get(i)
        .is_some_and(|&h| h.is_ascii() && mask & (1 << h) == 0)
}

/// Finds the cue of `text` (markup already stripped). `anywhere`: a cue may
/// sit inside the sentence (comments in a block); otherwise only labels
/// and sentences that open with a modal count (prose after a block).
pub(super) fn find(text: &str, anywhere: bool) -> Option<Found<'_>> {
    find_with(text, anywhere, true)
}

/// [`find`]; `skip`: pass over the characters where no phrase of a list
/// can start (the same answer, tested, as trying each phrase there).
fn find_with(text: &str, anywhere: bool, skip: bool) -> Option<Found<'_>> {
    // Labels at the start.
    let mut best: Option<(usize, bool)> = None;
    for &(label, colon) in LABELS {
        if let Some(end) = match_at(text, 0, label)
            && boundary_after(text, end, label)
            && best.is_none_or(|(b, _)| end > b)
        {
            // `**Label**: value`: the bold closes before the colon.
            let after = text[end..]
                .trim_start()
                .trim_start_matches(['*', '_'])
                .trim_start();
            let has_colon = after.starts_with([':', '：', '=', '→']);
            if colon && !has_colon {
                continue;
            }
            if !label_fits(label, after, has_colon) {
                continue;
            }
            best = Some((end, colon));
        }
    }
    if let Some((end, _)) = best {
        let label = &text[..end].to_lowercase();
        return Some(Found {
            rest: trim_lead(&text[end..]).into(),
            at_start: true,
            output_only: label.contains("see"),
            fixed: None,
        });
    }
    // Modal + verb.
    for (i, _) in text.char_indices() {
        // Nothing below does anything at `i` unless a phrase matches there.
        if skip && none_start_at(MODAL_OR_PREFIX_FIRST, text, i) {
            continue;
        }
        if i > 0 && !anywhere && !after_separator(text, i) {
            continue;
        }
        if !boundary_before(text, i) {
            continue;
        }
        for modal in MODALS {
            let Some(m_end) = match_at(text, i, modal) else {
                continue;
            };
            if !boundary_after(text, m_end, modal) {
                continue;
            }
            let after = text[m_end..].trim_start();
            let a0 = text.len() - after.len();
            // Weak modals mean an expectation only at the start or after a separator.
            let strong_position = i == 0 || after_separator(text, i);
            for verb in SUCCEED {
                if let Some(v_end) = match_at(text, a0, verb)
                    && boundary_after(text, v_end, verb)
                {
                    return Some(Found {
                        rest: trim_lead(&text[v_end..]).into(),
                        at_start: i == 0,
                        output_only: false,
                        fixed: Some(Expectation::Succeeds),
                    });
                }
            }
            let verb = VERBS
                .iter()
                .filter_map(|v| {
                    match_at(text, a0, v)
                        .filter(|&e| boundary_after(text, e, v))
                        .map(|e| (v, e))
                })
                .max_by_key(|(_, e)| *e);
            if let Some((v, v_end)) = verb {
                // `should be` inside a sentence: only a latency limit counts
                // (`response time should be < 200ms`), not `should be run first`.
                if matches!(*v, "be" | "sein" | "être" | "ser" | "see" | "read")
                    && !strong_position
                    && latency(&text[v_end..]).is_none()
                {
                    continue;
                }
                let rest = trim_lead(&text[v_end..]);
                return Some(Found {
                    rest: strip_final_verb(rest).into(),
                    at_start: i == 0,
                    output_only: false,
                    fixed: None,
                });
            }
            // Verb at the end (`sollte 200 liefern`, `deve 200 retornar`).
            if (strong_position || latency(after).is_some())
                && let Some(inner) = strip_final_verb_opt(after)
            {
                return Some(Found {
                    rest: trim_lead(inner).into(),
                    at_start: i == 0,
                    output_only: false,
                    fixed: None,
                });
            }
        }
        if !anywhere && i > 0 {
            continue;
        }
        for cue in PREFIX_ANYWHERE.iter().chain(RETURNS) {
            if let Some(end) = match_at(text, i, cue)
                && boundary_after(text, end, cue)
                && (!cue.starts_with("return") || after_separator(text, i))
            {
                return Some(Found {
                    rest: trim_lead(&text[end..]).into(),
                    at_start: i == 0,
                    output_only: false,
                    fixed: None,
                });
            }
        }
    }
    // A verb that closes the sentence: the expectation stands before it.
    for (i, _) in text.char_indices() {
        if skip && none_start_at(POSTFIX_FIRST, text, i) {
            continue;
        }
        for cue in POSTFIX {
            if match_at(text, i, cue).is_some() {
                let before = &text[..i];
                let clause = before
                    .rsplit([':', '：', ',', '，', '、', '—', '–'])
                    .next()
                    .unwrap_or(before);
                let clause = clause.rsplit(" - ").next().unwrap_or(clause);
                let clause = strip_particles(clause.trim());
                if clause.is_empty() {
                    return None;
                }
                return Some(Found {
                    rest: clause.to_string().into(),
                    at_start: false,
                    output_only: false,
                    fixed: None,
                });
            }
        }
    }
    None
}

/// `Expected: …` or `Expected 200`, never `Expectations are …` or
/// `Expected behaviour is documented`.
fn label_fits(label: &str, after: &str, has_colon: bool) -> bool {
    let opens_value = after
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, '"' | '{' | '<' | '-' | '–' | '—'));
    has_colon
        || opens_value
        || after.is_empty()
        || matches!(
            label,
            "returns" | "must see" | "should see" | "you should see"
        )
}

/// Particles and case suffixes that tie the expectation to the verb:
/// `200 OK를`, `200を`, `200'ü`.
fn strip_particles(s: &str) -> &str {
    let mut t = s.trim();
    for p in [
        "으로", "를", "을", "가", "이", "은", "는", "로", "を", "が", "と", "は", "に", "で",
    ] {
        if let Some(r) = t.strip_suffix(p)
            && !r.is_empty()
            && !r.ends_with(char::is_whitespace)
        {
            t = r;
            break;
        }
    }
    if let Some((head, tail)) = t.rsplit_once(['\'', '’'])
        && tail.chars().count() <= 3
        && tail.chars().all(char::is_alphabetic)
    {
        t = head;
    }
    t.trim()
}

fn strip_final_verb(s: &str) -> &str {
    strip_final_verb_opt(s).unwrap_or(s)
}

/// `200 liefern` → `200`; `None` when the last word is no verb of [`VERBS`].
fn strip_final_verb_opt(s: &str) -> Option<&str> {
    let t = s.trim_end_matches(['.', '!', ' ']);
    let (head, last) = t.rsplit_once(' ')?;
    let last = last.to_lowercase();
    (VERBS.contains(&last.as_str()) || last == "zurück").then_some(head)
}

fn trim_lead(s: &str) -> &str {
    s.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '：' | '-' | '–' | '—' | '=' | '→' | '*' | '_')
    })
    .trim_end()
}

/// Case-insensitive match of `phrase` (lowercase) at byte `i`: its end.
///
/// The cue lists are tried at every character of a comment, and most
/// phrases differ at their first letter: that case is answered here, inline
/// and without decoding, with the answer [`match_from`] would give. An
/// ASCII letter of the text is only ever the same as an ASCII letter of the
/// phrase, or the Kelvin sign (no other character lowercases to one ASCII
/// letter; tested). A byte inside a character is no ASCII byte.
#[inline]
fn match_at(text: &str, i: usize, phrase: &str) -> Option<usize> {
    if let (Some(h), Some(p)) = (text.as_bytes().get(i), phrase.as_bytes().first())
        && h.is_ascii()
        && if p.is_ascii() {
            !h.eq_ignore_ascii_case(p)
        } else {
            !phrase.starts_with('\u{212A}')
        }
    {
        return None;
    }
    match_from(text, i, phrase)
}

/// [`match_at`] the long way, a character at a time.
fn match_from(text: &str, i: usize, phrase: &str) -> Option<usize> {
    let hay = text.get(i..)?;
    let mut end = i;
    let mut chars = hay.chars();
    for p in phrase.chars() {
        let c = chars.next()?;
        // Two ASCII letters compare as such (most text, and a quick
        // "no" at the first letter); others through full lowercasing
        // (`K`, the Kelvin sign, is a `k`).
        let same = if c.is_ascii() && p.is_ascii() {
            c.eq_ignore_ascii_case(&p)
        } else {
            c.to_lowercase().eq(p.to_lowercase())
        };
        if !same {
            return None;
        }
        end += c.len_utf8();
    }
    Some(end)
}

fn is_latin(phrase: &str) -> bool {
    phrase.chars().next().is_some_and(|c| (c as u32) < 0x2E80)
}

fn boundary_before(text: &str, i: usize) -> bool {
    text[..i]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric())
}

fn boundary_after(text: &str, end: usize, phrase: &str) -> bool {
    !is_latin(phrase)
        || text[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
}

/// Whether byte `i` starts a clause: after ` - `, `:`, `,`, `;`, `(` or `.`.
fn after_separator(text: &str, i: usize) -> bool {
    let before = text[..i].trim_end();
    before.is_empty()
        || before.ends_with([
            '-', '–', '—', ':', ',', ';', '(', '.', '，', '：', '、', '→',
        ])
}

/// Words before a status code that only say it is one: `HTTP/2`, `status`.
pub(super) fn is_status_word(w: &str) -> bool {
    let l = w.to_lowercase();
    let l = l.trim_end_matches([':', '：']);
    l.starts_with("http/")
        || matches!(
            l,
            "http"
                | "status"
                | "code"
                | "status-code"
                | "statuscode"
                | "durum"
                | "kodu"
                | "상태"
                | "상태코드"
                | "ステータス"
                | "ステータスコード"
                | "状态码"
                | "状态"
                | "a"
                | "an"
                | "with"
                | "mit"
                | "avec"
                | "con"
                | "com"
        )
}

/// Phrases that mean "no output at all".
pub(super) fn means_empty(words: &str) -> bool {
    let l = words
        .to_lowercase()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string();
    matches!(
        l.as_str(),
        "no changes"
            | "no change"
            | "nothing"
            | "empty"
            | "no output"
            | "empty output"
            | "no differences"
            | "no diff"
            | "keine änderungen"
            | "keine ausgabe"
            | "leer"
            | "nichts"
            | "aucun changement"
            | "aucune modification"
            | "rien"
            | "vide"
            | "aucune sortie"
            | "sin cambios"
            | "nada"
            | "vacío"
            | "vacio"
            | "sin salida"
            | "sem alterações"
            | "sem mudanças"
            | "vazio"
            | "nenhuma alteração"
            | "nenhuma saída"
            | "değişiklik yok"
            | "boş"
            | "çıktı yok"
            | "변경 없음"
            | "변경 사항 없음"
            | "변경사항 없음"
            | "출력 없음"
            | "없음"
            | "変更なし"
            | "出力なし"
            | "なし"
            | "空"
            | "无变化"
            | "没有变化"
            | "无输出"
            | "没有输出"
            | "无"
            | "空输出"
    )
}

/// A latency limit in `text`: (ms, text before, text after).
pub(super) fn latency(text: &str) -> Option<(u64, String, String)> {
    // A limit starts at an ASCII digit: most lines have none.
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    latency_scan(text)
}

/// [`latency`] without its shortcut.
fn latency_scan(text: &str) -> Option<(u64, String, String)> {
    const BEFORE: &[&str] = &[
        "<=",
        "<",
        "≤",
        "under",
        "below",
        "less than",
        "within",
        "faster than",
        "unter",
        "weniger als",
        "schneller als",
        "moins de",
        "en dessous de",
        "menos de",
        "abaixo de",
        "por debajo de",
        "inferior a",
        "小于",
        "低于",
        "少于",
        "不超过",
        "在",
    ];
    const AFTER: &[&str] = &[
        "以内", "未満", "以下", "内", "이내", "미만", "이하", "altında", "içinde", "den az",
        "dan az",
    ];
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (start, c) = chars[k];
        if !c.is_ascii_digit()
            || (k > 0 && (chars[k - 1].1.is_ascii_digit() || chars[k - 1].1 == '.'))
        {
            k += 1;
            continue;
        }
        let mut j = k;
        while j < chars.len() && (chars[j].1.is_ascii_digit() || chars[j].1 == '.') {
            j += 1;
        }
        let num_end = chars.get(j).map_or(text.len(), |x| x.0);
        let number: f64 = match text[start..num_end].trim_end_matches('.').parse() {
            Ok(n) => n,
            Err(_) => {
                k = j;
                continue;
            }
        };
        let unit_text = text[num_end..].trim_start();
        let unit_at = text.len() - unit_text.len();
        let units: &[(&str, f64)] = &[
            ("milliseconds", 1.0),
            ("millisekunden", 1.0),
            ("ms", 1.0),
            ("毫秒", 1.0),
            ("밀리초", 1.0),
            ("seconds", 1000.0),
            ("second", 1000.0),
            ("sekunden", 1000.0),
            ("secondes", 1000.0),
            ("segundos", 1000.0),
            ("segundo", 1000.0),
            ("seconde", 1000.0),
            ("secondi", 1000.0),
            ("secondo", 1000.0),
            ("saniye", 1000.0),
            ("secs", 1000.0),
            ("sec", 1000.0),
            ("sn", 1000.0),
            ("s", 1000.0),
            ("秒", 1000.0),
            ("초", 1000.0),
        ];
        let unit = units.iter().find_map(|(u, f)| {
            match_at(text, unit_at, u)
                .filter(|&e| boundary_after(text, e, u))
                .map(|e| (e, *f))
        });
        let Some((unit_end, factor)) = unit else {
            k = j;
            continue;
        };
        let head = text[..start].trim_end();
        let head_lower = head.to_lowercase();
        let before = BEFORE.iter().find(|b| {
            head_lower.ends_with(*b)
                && (!is_latin(b)
                    || b.starts_with(['<', '≤'])
                    || head_lower[..head_lower.len() - b.len()]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !c.is_alphanumeric()))
        });
        let tail = text[unit_end..].trim_start();
        let after = AFTER
            .iter()
            .find_map(|a| match_at(text, text.len() - tail.len(), a).map(|e| (a, e)));
        if before.is_none() && after.is_none() {
            k = j;
            continue;
        }
        let mut ms = (number * factor).round() as u64;
        if before.is_some_and(|b| matches!(*b, "<=" | "≤")) {
            ms += 1;
        }
        let cut_start = match before {
            Some(b) if head_lower.len() >= b.len() => head.len().saturating_sub(b.len()),
            _ => start,
        };
        let cut_end = after.map_or(unit_end, |(_, e)| e);
        let cut_start = if text.is_char_boundary(cut_start) {
            cut_start
        } else {
            start
        };
        return Some((
            ms,
            text[..cut_start].to_string(),
            text[cut_end..].to_string(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::match_at;

    #[test]
    fn phrases_match_case_insensitively_in_any_script() {
        assert_eq!(match_at("Expected: 200", 0, "expected"), Some(8));
        assert_eq!(match_at("-> SHOULD return", 3, "should"), Some(9));
        assert_eq!(match_at("Expect", 0, "expected"), None);
        assert_eq!(match_at("Expecter", 0, "expected"), None);
        // Non-ASCII letters lowercase fully: É is é, and the Kelvin sign
        // (U+212A) is a k.
        assert_eq!(match_at("ÉCHOUE", 0, "échoue"), Some("ÉCHOUE".len()));
        assert_eq!(match_at("\u{212A}eep", 0, "keep"), Some(6));
        assert_eq!(match_at("期待値: 1", 0, "期待値"), Some(9));
        assert_eq!(match_at("abc", 5, "a"), None);
    }

    /// What the shortcut in `match_at` rests on: besides the ASCII letters
    /// themselves, only the Kelvin sign lowercases to one ASCII character.
    #[test]
    fn only_the_kelvin_sign_lowercases_to_ascii() {
        for c in (0x80u32..=0x10FFFF).filter_map(char::from_u32) {
            let mut lower = c.to_lowercase();
            let one_ascii = lower.len() == 1 && lower.next().is_some_and(|l| l.is_ascii());
            assert_eq!(one_ascii, c == '\u{212A}', "{c:?}");
        }
    }

    fn every_phrase() -> Vec<&'static str> {
        let labels = super::LABELS.iter().map(|(l, _)| *l);
        let lists = [
            super::MODALS,
            super::VERBS,
            super::SUCCEED,
            super::PREFIX_ANYWHERE,
            super::POSTFIX,
        ];
        labels
            .chain(lists.into_iter().flatten().copied())
            .chain(["", "returns", "returning"])
            .collect()
    }

    /// Sentences made of the cue phrases, their neighbours and other letters.
    fn cue_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let phrase = prop::sample::select(every_phrase())
            .prop_flat_map(|p| prop_oneof![Just(p.to_string()), Just(p.to_uppercase())]);
        let other = prop::sample::select(vec![
            " ", ", ", ": ", " - ", "(", ".", "200", "< 200ms", "OK", "\"Up\"", "x", "é",
            "\u{212A}", "期", "를", "を", "ok는", "\t", "**",
        ])
        .prop_map(str::to_string);
        prop::collection::vec(prop_oneof![phrase, other], 0..8).prop_map(|v| v.concat())
    }

    fn found_parts(f: Option<super::Found<'_>>) -> Option<(String, bool, bool, String)> {
        f.map(|f| {
            (
                f.rest.to_string(),
                f.at_start,
                f.output_only,
                format!("{:?}", f.fixed),
            )
        })
    }

    proptest::proptest! {
        #[test]
        fn skipping_agrees_with_trying_every_phrase(text in cue_text(), anywhere in proptest::bool::ANY) {
            proptest::prop_assert_eq!(
                found_parts(super::find_with(&text, anywhere, true)),
                found_parts(super::find_with(&text, anywhere, false))
            );
        }

        #[test]
        fn latency_shortcut_agrees_with_the_scan(
            text in "(under |< |≤|within |以内|ms|s| |x|١|²|[0-9.]){0,10}"
        ) {
            proptest::prop_assert_eq!(super::latency(&text), super::latency_scan(&text));
        }

        // `match_from` is `match_at` without its first-letter shortcut:
        // the reference both properties hold `match_at` to.
        #[test]
        fn shortcut_agrees_with_the_full_comparison(
            text in "(\\PC|[eEsSkK\u{212A}Éé期]){0,12}",
            phrase in proptest::sample::select(every_phrase()),
            i in 0usize..16,
        ) {
            proptest::prop_assert_eq!(match_at(&text, i, phrase), super::match_from(&text, i, phrase));
        }

        #[test]
        fn shortcut_agrees_on_the_phrases_themselves(
            a in proptest::sample::select(every_phrase()),
            b in proptest::sample::select(every_phrase()),
            upper in proptest::bool::ANY,
        ) {
            let text = if upper { a.to_uppercase() } else { a.to_string() };
            proptest::prop_assert_eq!(match_at(&text, 0, b), super::match_from(&text, 0, b));
        }
    }
}
