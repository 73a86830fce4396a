//! Errors of account and token management.

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] greenlight_store::StoreError),
    /// The operating system gave no randomness.
    #[error("no randomness available from the operating system")]
    Random,
    /// argon2 refused (should not happen with default parameters).
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// `init_admin` found an admin already.
    #[error("an admin account exists already; add more accounts as that admin")]
    AdminExists,
    /// An account or token of this name exists (they share one namespace).
    #[error("{what} `{name}` exists already (or an account or token has that name)")]
    Exists {
        /// `account` or `token`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// No account or token of this name.
    #[error("no {what} named `{name}`")]
    Unknown {
        /// `account` or `token`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A name that cannot be used.
    #[error(
        "invalid name `{0}`: use 1–64 letters, digits, `.`, `_`, `-` or `@`, starting with a letter or digit"
    )]
    InvalidName(String),
    /// A password too short.
    #[error("the password is too short: at least {min} characters")]
    WeakPassword {
        /// The minimum length.
        min: usize,
    },
    /// No password given and none in the environment.
    #[error("no password: set GREENLIGHT_ADMIN_PASSWORD or type one at the prompt")]
    NoPassword,
    /// Sign-off roles given to a role that cannot sign.
    #[error("sign-off roles need the approver or admin role, not {0}")]
    SignoffNeedsApprover(crate::Role),
    /// A stored role this build does not know.
    #[error(transparent)]
    UnknownRole(#[from] crate::role::UnknownRole),
}

/// A result whose error is [`AuthError`].
pub type Result<T, E = AuthError> = std::result::Result<T, E>;
