//! What a document refers to outside itself.

/// Every `src=`, `href=`, `action=` or CSS `url(` value that does not point
/// inside the document (`#…`), plus any `<script`, `<link` or `@import`:
/// what keeps a report from being self-contained. Empty for a
/// self-contained document.
pub fn external_references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["src=", "href=", "action=", "url("] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            let tail = &rest[at + attr.len()..];
            let value: String = tail
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ' ' | '>' | ')'))
                .collect();
            if !value.starts_with('#') {
                found.push(format!("{attr}{value}"));
            }
            rest = tail;
        }
    }
    for tag in ["<script", "<link", "@import", "<iframe", "<img"] {
        if html.contains(tag) {
            found.push(tag.to_string());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_points_outside() {
        let html = r##"<a href="#x">in</a><a href='https://cdn.example/x.js'>out</a><form action="/runs/1/check"></form><div style="background:url(http://x/y.png)"></div><script>1</script>"##;
        assert_eq!(
            external_references(html),
            [
                "href=https://cdn.example/x.js",
                "action=/runs/1/check",
                "url(http://x/y.png",
                "<script"
            ]
        );
        assert!(external_references(r##"<a href="#item-1">L1</a>"##).is_empty());
    }
}
