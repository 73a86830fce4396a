//! What the server tells a page about its viewer.

/// The name of the hidden CSRF field every form carries (the field
/// greenlight-auth's CSRF guard reads).
pub const CSRF_FIELD: &str = "csrf";

/// How a page is rendered for its viewer. The default is the read-only
/// page of the CLI report: no forms, no live updates, no links to other
/// pages.
#[derive(Debug, Clone, Default)]
pub struct PageOptions {
    /// An SSE endpoint: the page reloads its `<main>` on each event.
    pub live_url: Option<String>,
    /// The session's CSRF token. Without it no form is drawn.
    pub csrf_token: Option<String>,
    /// Who is looking (shown in the header).
    pub actor: Option<String>,
    /// May tick manual items.
    pub can_check: bool,
    /// May waive items.
    pub can_waive: bool,
    /// The sign-off roles the viewer may sign (an approver's roles; `*`:
    /// any role). Compared without regard to case.
    pub sign_roles: Vec<String>,
    /// Path prefix of the server's routes (`""` at the root). `None`: a
    /// standalone document, with no links to other pages.
    pub base: Option<String>,
}

impl PageOptions {
    /// Forms are drawn only with a CSRF token.
    pub(crate) fn forms(&self) -> bool {
        self.csrf_token.is_some()
    }

    pub(crate) fn may_check(&self) -> bool {
        self.forms() && self.can_check
    }

    pub(crate) fn may_waive(&self) -> bool {
        self.forms() && self.can_waive
    }

    pub(crate) fn may_sign(&self, role: &str) -> bool {
        self.forms()
            && self
                .sign_roles
                .iter()
                .any(|r| r == "*" || r.eq_ignore_ascii_case(role))
    }

    /// The URL of a route under the server's prefix.
    pub(crate) fn route(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_deref().unwrap_or(""))
    }
}
