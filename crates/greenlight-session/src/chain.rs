//! What a verified audit chain proves, in words.

use greenlight_store::{AuditReport, Keying};

/// One line on what the audit chain proves, for `status`, `audit` and
/// the server's pages.
pub fn describe_chain(audit: &AuditReport) -> String {
    match audit.keying {
        Keying::Verified => format!(
            "audit chain intact and signed (HMAC-SHA256, key {}): {} events",
            audit.key_id.as_deref().unwrap_or("?"),
            audit.events
        ),
        Keying::Unverified => format!(
            "audit chain intact, signed with key {} but NOT VERIFIED: no audit key here ([audit] key, or GREENLIGHT_AUDIT_KEY)",
            audit.key_id.as_deref().unwrap_or("?")
        ),
        Keying::Unkeyed => format!(
            "audit chain intact but UNKEYED: {} events hashed without a key, so not proof against rewriting (set [audit] key in the profile, or GREENLIGHT_AUDIT_KEY)",
            audit.events
        ),
        Keying::Broken => format!(
            "AUDIT FAILED — {}",
            audit
                .problem
                .as_deref()
                .unwrap_or("the chain does not verify")
        ),
    }
}
