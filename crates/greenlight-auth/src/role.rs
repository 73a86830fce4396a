//! The four roles, what each may do, and how sign-off roles are compared.

use std::fmt;
use std::str::FromStr;

/// A role, ordered: each may do everything the ones before it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything: releases, runs, evidence, events, verdicts, reports.
    Viewer,
    /// Also starts runs and checks or unchecks manual items.
    Operator,
    /// Also waives items and signs off — only for its bound sign-off roles.
    Approver,
    /// Also manages accounts and API tokens.
    Admin,
}

impl Role {
    /// All roles, lowest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Operator, Role::Approver, Role::Admin];

    /// `viewer`, `operator`, `approver`, `admin` (as stored).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (viewer, operator, approver or admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// Something a person or token may be allowed to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read any page or API resource.
    Read,
    /// Start a run.
    StartRun,
    /// Check or uncheck a manual item (with a note).
    Check,
    /// Waive an item (accept its risk for this release).
    Waive,
    /// Sign off (or revoke a sign-off) as this checklist role.
    SignOff(String),
    /// Create, change or delete accounts and API tokens.
    ManageAccounts,
}

impl Action {
    /// The lowest role that may do this (a sign-off also needs the role bound).
    pub fn least_role(&self) -> Role {
        match self {
            Action::Read => Role::Viewer,
            Action::StartRun | Action::Check => Role::Operator,
            Action::Waive | Action::SignOff(_) => Role::Approver,
            Action::ManageAccounts => Role::Admin,
        }
    }
}

/// A sign-off role as `greenlight signoff --role` compares it: trimmed and
/// lower-cased (`" QA Lead "` and `"qa lead"` are the same slot).
pub fn normalize_signoff_role(role: &str) -> String {
    role.trim().to_lowercase()
}

/// Whether a holder of `role` bound to `bound` sign-off roles may do `action`.
pub fn permits(role: Role, bound: &[String], action: &Action) -> bool {
    if role < action.least_role() {
        return false;
    }
    match action {
        Action::SignOff(wanted) => {
            let wanted = normalize_signoff_role(wanted);
            bound.iter().any(|b| normalize_signoff_role(b) == wanted)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parse_back() {
        assert!(Role::Viewer < Role::Operator && Role::Operator < Role::Approver);
        assert!(Role::Approver < Role::Admin);
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert_eq!(" Admin ".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn the_permission_table_holds() {
        let qa = vec!["QA Lead".to_string()];
        let none: Vec<String> = vec![];
        let sign = Action::SignOff("qa lead".into());
        let rows: [(Action, [bool; 4]); 6] = [
            (Action::Read, [true, true, true, true]),
            (Action::StartRun, [false, true, true, true]),
            (Action::Check, [false, true, true, true]),
            (Action::Waive, [false, false, true, true]),
            (sign.clone(), [false, false, true, true]),
            (Action::ManageAccounts, [false, false, false, true]),
        ];
        for (action, want) in rows {
            for (role, want) in Role::ALL.into_iter().zip(want) {
                assert_eq!(permits(role, &qa, &action), want, "{role} {action:?}");
            }
        }
        // Sign-off needs the slot bound, whatever the role.
        assert!(!permits(Role::Admin, &none, &sign));
        assert!(!permits(
            Role::Approver,
            &qa,
            &Action::SignOff("Product Owner".into())
        ));
        assert!(permits(
            Role::Approver,
            &qa,
            &Action::SignOff(" QA LEAD ".into())
        ));
    }
}
