//! Credentials for a request inferred from an item's words, taken from the
//! document's own examples: when a checklist says `` `GET /api/v1/streams/active`
//! returns 200 `` and elsewhere shows `curl …/api/v1/streams/active -H
//! "Authorization: Bearer $JWT_TOKEN"`, the inferred request sends the same
//! header (its variables come from the profile, as the example's would).
//! Without it a healthy service answers 401 and the release looks broken.

use crate::analyze::Analyzer;
use crate::check::Target;
use greenlight_doc::Checklist;

/// Header names that carry credentials; only these are borrowed.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "x-api-key", "api-key", "cookie"];

/// The credential headers of the first example in `list` that requests
/// `path` (with any host, without a query string), and the line of that
/// example. Only code blocks that mention `path` are analysed.
pub(super) fn example_credentials(
    list: &Checklist,
    analyze: &Analyzer,
    path: &str,
) -> Option<(Vec<(String, String)>, usize)> {
    if !path.starts_with('/') || path.len() < 2 {
        return None;
    }
    for step in list.steps.iter().filter(|s| s.code.contains(path)) {
        let analysis = analyze(&step.code, step.lang.as_deref());
        for command in &analysis.commands {
            let Some(Target::Http { url, headers, .. }) = &command.native else {
                continue;
            };
            if !requests_path(url, path) {
                continue;
            }
            let credentials: Vec<(String, String)> = headers
                .iter()
                .filter(|(name, _)| {
                    CREDENTIAL_HEADERS.contains(&name.to_ascii_lowercase().as_str())
                })
                .cloned()
                .collect();
            if !credentials.is_empty() {
                return Some((credentials, step.code_line + command.line_offset));
            }
        }
    }
    None
}

/// Whether `url` (`https://host/p`, `$BASE_URL/p`, `/p?x=1`) asks for `path`.
fn requests_path(url: &str, path: &str) -> bool {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let Some(rest) = without_query.strip_suffix(path) else {
        return false;
    };
    // What comes before the path must be a host or a variable, not more path.
    rest.is_empty()
        || rest
            .rsplit_once("://")
            .is_some_and(|(_, host)| !host.contains('/'))
        || (rest.starts_with('$') && !rest.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_requested_on_any_host_but_not_as_a_suffix_of_another_path() {
        assert!(requests_path(
            "https://api.example.com/api/v1/x",
            "/api/v1/x"
        ));
        assert!(requests_path("$BASE_URL/api/v1/x?limit=1", "/api/v1/x"));
        assert!(requests_path("${BASE_URL}/api/v1/x", "/api/v1/x"));
        assert!(requests_path("/api/v1/x", "/api/v1/x"));
        assert!(!requests_path("https://h/v2/api/v1/x", "/api/v1/x"));
        assert!(!requests_path("https://h/api/v1/xy", "/api/v1/x"));
        assert!(!requests_path("$BASE/prefix/api/v1/x", "/api/v1/x"));
    }

    #[test]
    fn the_example_s_authorization_is_borrowed() {
        let doc = "# R\n\n- [ ] `GET /api/v1/streams/active` returns 200\n\n```bash\n# List\ncurl \"https://h.example/api/v1/streams/active\" \\\n  -H \"Authorization: Bearer $JWT_TOKEN\" -H 'Accept: application/json'\n```\n";
        let list = greenlight_doc::parse(doc.as_bytes());
        let analyze = |code: &str, lang: Option<&str>| crate::analyze::analyze_block(code, lang);
        let (headers, line) =
            example_credentials(&list, &analyze, "/api/v1/streams/active").expect("found");
        assert_eq!(
            headers,
            vec![("Authorization".to_string(), "Bearer $JWT_TOKEN".to_string())]
        );
        assert_eq!(line, 7);
        assert!(example_credentials(&list, &analyze, "/api/v1/other").is_none());
    }
}
