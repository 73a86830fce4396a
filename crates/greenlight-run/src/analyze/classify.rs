//! Safety classes for any command: read, mutating, destructive. Unknown
//! commands count as mutating; a block takes the class of its most
//! dangerous command.

use crate::profile::Class;

/// The class of one simple command (no `&&`, `|`, `;`), given as words.
pub fn classify(words: &[String]) -> Class {
    let words = strip_wrappers(words);
    let Some(program) = words.first().map(|w| program_name(w)) else {
        return Class::Read;
    };
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let has = |s: &str| args.contains(&s);
    let sub = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .copied()
        .unwrap_or("");
    let joined = words.join(" ");
    if args
        .iter()
        .any(|a| *a == "--dry-run" || a.starts_with("--dry-run="))
    {
        return Class::Read;
    }
    match program.as_str() {
        // Harmless bookkeeping and text tools.
        "echo" | "printf" | "cat" | "grep" | "egrep" | "jq" | "head" | "tail" | "wc" | "sleep"
        | "date" | "test" | "[" | "true" | "false" | "export" | "cd" | "pwd" | "ls" | "which"
        | "env" | "sort" | "uniq" | "awk" | "cut" | "tr" | "diff" | "time" | "nslookup" | "dig"
        | "host" | "ping" | "openssl" | "nc" | "telnet" | "wscat" | "websocat" | "df" | "free"
        | "uptime" | "whoami" | "trivy" | "pip-audit" | "promtool" | "hadolint" | "shellcheck"
        | "ss" | "netstat" | "top" | "ps" | "read" | "source" | "." | "set" => Class::Read,
        "go" => match sub {
            "build" | "test" | "vet" | "version" | "list" => Class::Read,
            _ => Class::Mutating,
        },
        "sed" if !has("-i") => Class::Read,
        "curl" | "wget" | "http" | "https" => {
            crate::analyze::curl::http_tool_class(program.as_str(), &words[1..])
        }
        "kubectl" => match sub {
            "get" | "describe" | "logs" | "top" | "wait" | "version" | "explain"
            | "api-resources" | "cluster-info" | "diff" => Class::Read,
            "auth" | "config"
                if joined.contains("can-i")
                    || joined.contains("view")
                    || joined.contains("get-contexts") =>
            {
                Class::Read
            }
            "rollout"
                if joined.contains("rollout status") || joined.contains("rollout history") =>
            {
                Class::Read
            }
            "delete" => Class::Destructive,
            "drain" => Class::Destructive,
            _ => Class::Mutating,
        },
        "helm" => match sub {
            "list" | "ls" | "status" | "history" | "get" | "show" | "template" | "lint"
            | "search" | "version" => Class::Read,
            "uninstall" | "delete" => Class::Destructive,
            _ => Class::Mutating,
        },
        "git" => match sub {
            "status" | "log" | "diff" | "show" | "fetch" | "rev-parse" | "describe" | "branch"
            | "ls-remote" | "blame" => Class::Read,
            "clean" if has("-f") || has("-fd") || has("-fdx") => Class::Destructive,
            "reset" if has("--hard") => Class::Destructive,
            _ => Class::Mutating,
        },
        "cargo" => match sub {
            "test" | "clippy" | "check" | "build" | "audit" | "tree" | "deny" | "nextest"
            | "doc" => Class::Read,
            "fmt" if has("--check") || joined.contains("-- --check") => Class::Read,
            _ => Class::Mutating,
        },
        "npm" | "yarn" | "pnpm" => match sub {
            "audit" | "ls" | "list" | "test" | "outdated" | "view" => Class::Read,
            "run"
                if args.get(1).is_some_and(|s| {
                    matches!(*s, "test" | "lint" | "build" | "typecheck" | "check")
                }) =>
            {
                Class::Read
            }
            _ => Class::Mutating,
        },
        "docker" => match sub {
            "images" | "ps" | "inspect" | "logs" | "version" | "info" | "pull" => Class::Read,
            "compose"
                if args
                    .get(1)
                    .is_some_and(|s| matches!(*s, "ps" | "logs" | "config")) =>
            {
                Class::Read
            }
            "image" | "system" | "volume" | "container" if has("prune") || has("rm") => {
                Class::Destructive
            }
            "rm" | "rmi" => Class::Destructive,
            _ => Class::Mutating,
        },
        "argocd" => match sub {
            "app"
                if args
                    .get(1)
                    .is_some_and(|s| matches!(*s, "get" | "list" | "diff" | "history")) =>
            {
                Class::Read
            }
            _ => Class::Mutating,
        },
        "psql" => psql_class(&args),
        "redis-cli" => {
            let cmd: Vec<String> = redis_command_words(&args);
            redis_class(&cmd)
        }
        "pg_dump" => Class::Read,
        "pg_restore" | "dropdb" => Class::Destructive,
        "rm" if args
            .iter()
            .any(|a| a.starts_with('-') && (a.contains('r') || a.contains('f'))) =>
        {
            Class::Destructive
        }
        "rm" | "mv" | "chmod" | "chown" | "cp" | "mkdir" | "touch" | "tee" | "kill" | "pkill"
        | "systemctl" | "service" => Class::Mutating,
        "sqlx" | "diesel" | "migrate" | "alembic" | "flyway" | "liquibase" | "prisma" | "knex" => {
            migration_class(&joined)
        }
        "npx" => {
            if joined.contains("migrate") {
                migration_class(&joined)
            } else {
                Class::Mutating
            }
        }
        _ => Class::Mutating,
    }
}

/// Removes `sudo`, `time`, `env X=Y`, `VAR=value` prefixes.
pub fn strip_wrappers(words: &[String]) -> &[String] {
    let mut w = words;
    loop {
        match w.first().map(String::as_str) {
            Some("sudo" | "time" | "nohup" | "exec") => w = &w[1..],
            Some(first) if is_assignment(first) && w.len() > 1 => w = &w[1..],
            _ => return w,
        }
    }
}

pub fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// `./scripts/x.sh` → `x.sh`; `/usr/bin/curl` → `curl`.
pub fn program_name(word: &str) -> String {
    word.rsplit('/').next().unwrap_or(word).to_string()
}

fn psql_class(args: &[&str]) -> Class {
    if args.iter().any(|a| *a == "-f" || a.starts_with("--file")) {
        return Class::Mutating;
    }
    let sql = args
        .iter()
        .position(|a| *a == "-c" || *a == "--command")
        .and_then(|i| args.get(i + 1))
        .copied()
        .or_else(|| args.iter().find_map(|a| a.strip_prefix("--command=")));
    match sql {
        Some(sql) => sql_class(sql),
        // Interactive or reading a script from stdin: unknown.
        None => Class::Mutating,
    }
}

/// The class of SQL text: the most dangerous statement wins.
pub fn sql_class(sql: &str) -> Class {
    super::sql::sql_class(sql)
}

/// The command words of a redis-cli invocation (after its options).
pub fn redis_command_words(args: &[&str]) -> Vec<String> {
    super::redis_commands::redis_command_words(args)
}

pub fn redis_class(cmd: &[String]) -> Class {
    super::redis_commands::redis_class(cmd)
}

fn migration_class(joined: &str) -> Class {
    let lower = joined.to_lowercase();
    if lower.contains("revert")
        || lower.contains("downgrade")
        || lower.contains("rollback")
        || lower.contains("reset")
        || lower.contains(" down")
    {
        Class::Destructive
    } else if lower.contains("status")
        || lower.contains("info")
        || lower.contains("--dry-run")
        || lower.contains(" list")
    {
        Class::Read
    } else {
        Class::Mutating
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Class {
        classify(&shell_words::split(s).unwrap())
    }

    #[test]
    fn read_commands() {
        for s in [
            "curl -f https://x/health",
            "curl -I https://x/",
            "kubectl get pods -n x",
            "kubectl rollout status deployment/api",
            "kubectl logs -f deploy/x",
            "kubectl apply -f k8s/ --dry-run=client",
            "git status",
            "git log --oneline",
            "cargo test --all",
            "cargo clippy --all -- -D warnings",
            "cargo fmt --all -- --check",
            "npm audit",
            "pip-audit",
            "promtool check rules x.yml",
            "psql -d db -c \"SELECT version();\"",
            "redis-cli -h host ping",
            "nc -z host 5432",
            "sudo kubectl get nodes",
            "helm status x",
        ] {
            assert_eq!(c(s), Class::Read, "{s}");
        }
    }

    #[test]
    fn mutating_commands() {
        for s in [
            "curl -X POST https://x/y",
            "curl https://x/y -d '{}'",
            "curl -X DELETE https://x/y/1",
            "kubectl apply -f k8s/",
            "kubectl scale deploy/x --replicas=3",
            "kubectl patch svc x -p '{}'",
            "git tag -a v1 -m x",
            "git push origin v1",
            "docker build -t x .",
            "docker push x",
            "npm publish",
            "twine upload dist/*",
            "helm upgrade x chart",
            "helm rollback x",
            "sqlx migrate run",
            "psql -d db -f /migrations/x.sql",
            "psql -d db -c \"UPDATE t SET a = 1\"",
            "./scripts/validate_staging.sh",
            "python verify_env.py",
            "some-unknown-tool --flag",
        ] {
            assert_eq!(c(s), Class::Mutating, "{s}");
        }
    }

    #[test]
    fn destructive_commands() {
        for s in [
            "kubectl delete namespace x",
            "psql -c \"DROP TABLE users\"",
            "psql -c \"TRUNCATE t\"",
            "psql -c \"DELETE FROM users\"",
            "pg_restore -d db backup.dump",
            "rm -rf /tmp/x",
            "docker image prune -a",
            "sqlx migrate revert --all",
            "redis-cli FLUSHALL",
            "helm uninstall x",
        ] {
            assert_eq!(c(s), Class::Destructive, "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_read_with_rm_rf_or_drop(prefix in "[a-z ]{0,10}", suffix in "[a-z ]{0,10}") {
            let cmd = format!("{prefix} rm -rf / {suffix}");
            // Even as another command's arguments: never read.
            let words = shell_words::split(&cmd).unwrap_or_default();
            // Classified as a whole block: any word sequence holding `rm -rf` is at least mutating.
            let class = crate::analyze::block_class_of(&cmd);
            proptest::prop_assert!(class >= Class::Mutating, "{cmd}: {class:?} {words:?}");
            let sql = format!("psql -c \"{prefix} DROP TABLE x {suffix}\"");
            proptest::prop_assert_eq!(c(&sql), Class::Destructive);
        }
    }
}
