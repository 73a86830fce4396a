//! `greenlight users`: the server's accounts and tokens, managed in the
//! store by the real binary, on SQLite and (when it answers) PostgreSQL.

use crate::store::backends;
use crate::support::*;
use std::process::{Command, Output};

fn users(args: &[&str], store: &str, password: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_greenlight"));
    c.arg("users")
        .args(args)
        .env("GREENLIGHT_STORE", store)
        .env("GREENLIGHT_USER", "tester")
        .env("NO_COLOR", "1")
        .env_remove("GREENLIGHT_USER_PASSWORD")
        .stdin(std::process::Stdio::null());
    if let Some(p) = password {
        c.env("GREENLIGHT_USER_PASSWORD", p);
    }
    c.output().unwrap()
}

#[test]
fn accounts_and_tokens_are_managed_without_showing_secrets_twice() {
    for store in backends("users") {
        let pw = Some("correct horse battery");
        let ok = users(
            &[
                "add",
                "alice",
                "--role",
                "approver",
                "--signoff-role",
                "QA Lead",
            ],
            &store,
            pw,
        );
        assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
        assert_eq!(stdout(&ok), "added alice (approver)\n");
        let ok = users(&["add", "vera", "--role", "viewer"], &store, pw);
        assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));

        let token = users(&["token", "ci-bot", "--role", "operator"], &store, None);
        assert_eq!(token.status.code(), Some(0), "{}", stderr(&token));
        let secret = stdout(&token).trim().to_string();
        assert!(secret.starts_with("glt_") && secret.len() == 68, "{secret}");

        let list = users(&["list"], &store, None);
        assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
        assert!(!stdout(&list).contains(&secret[4..]));
        insta::assert_snapshot!("users_list", stdout(&list));

        let mut errors = String::new();
        for (args, password) in [
            (vec!["add", "alice", "--role", "viewer"], pw),
            (vec!["add", "bob", "--role", "viewer"], Some("short")),
            (vec!["add", "bob", "--role", "root"], pw),
            (
                vec![
                    "add",
                    "bob",
                    "--role",
                    "operator",
                    "--signoff-role",
                    "QA Lead",
                ],
                pw,
            ),
            (vec!["add", "bob", "--role", "viewer"], None),
            (vec!["token", "ci-bot", "--role", "viewer"], None),
            (vec!["revoke", "nobody"], None),
            (vec!["remove", "nobody"], None),
        ] {
            let out = users(&args, &store, password);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
            errors.push_str(&format!("$ users {}\n{}", args.join(" "), stderr(&out)));
        }
        insta::assert_snapshot!("users_errors", errors);

        let out = users(&["revoke", "ci-bot"], &store, None);
        assert_eq!(stdout(&out), "revoked token ci-bot\n");
        let out = users(&["remove", "vera"], &store, None);
        assert_eq!(stdout(&out), "removed vera\n");
        let list = users(&["list"], &store, None);
        assert_eq!(
            stdout(&list),
            "account  alice                    approver  signs for: QA Lead\n"
        );
    }
}
