//! Safety classes for any command: read, mutating, destructive. Deny by
//! default: a command is `read` only when it is a known read-only program
//! and subcommand (see [`super::judge`] for scripts, wrappers and
//! redirections, [`super::tools`] for the programs); a block takes the
//! class of its most dangerous command.

use super::judge::{self, Ctx, Verdict};
use super::shell::Word;
use crate::profile::Class;

/// The class of one simple command (no `&&`, `|`, `;`), given as words
/// after quote removal. Wrappers (`sudo`, `env`, `timeout`, …) are judged
/// with what they run.
pub fn classify(words: &[String]) -> Class {
    let words: Vec<Word> = words.iter().map(|w| Word::plain(w)).collect();
    let ctx = Ctx {
        depth: 0,
        fed: false,
    };
    judge::judge_words(&words, &ctx).class
}

/// The class of a program (wrappers already removed) with its arguments.
pub(crate) fn program_class(program: &str, words: &[Word], ctx: &Ctx) -> Verdict {
    let args: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    let class = match program {
        "curl" | "wget" | "http" | "https" => {
            let owned: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            super::curl::http_tool_class(program, &owned)
        }
        "redis-cli" => {
            if let Some(v) = super::tools_db::redis_cli_options(words) {
                return v;
            }
            let cmd: Vec<String> = redis_command_words(&args);
            redis_class(&cmd)
        }
        _ => return super::tools::program(program, words, ctx),
    };
    Verdict::of(class, || {
        format!(
            "`{}` is {}",
            judge::short(&format!("{program} {}", args.join(" "))),
            class.as_str()
        )
    })
}

/// Removes wrappers in front of a command (`sudo -u x`, `time`, `nohup`,
/// `exec`, `env X=Y`, `timeout 5`, `VAR=value`) to find the program that
/// runs. Only for recognition: the class comes from [`classify`], which
/// judges the wrappers too.
pub fn strip_wrappers(words: &[String]) -> &[String] {
    let mut w = words;
    loop {
        let Some(first) = w.first().map(String::as_str) else {
            return w;
        };
        let skip_options = |rest: &[String], with_value: &[&str]| -> usize {
            let mut i = 0;
            while let Some(a) = rest.get(i) {
                if a == "--" {
                    return i + 1;
                }
                if !a.starts_with('-') || a.len() < 2 {
                    break;
                }
                i += if with_value.contains(&a.as_str()) {
                    2
                } else {
                    1
                };
            }
            i.min(rest.len())
        };
        let n = match first {
            "time" | "nohup" | "exec" | "command" | "builtin" => 1,
            "sudo" => 1 + skip_options(&w[1..], &["-u", "-g", "-p", "-C", "-h", "-D", "-U"]),
            "nice" => 1 + skip_options(&w[1..], &["-n"]),
            "stdbuf" => 1 + skip_options(&w[1..], &[]),
            "env" => 1 + skip_options(&w[1..], &["-u", "-C"]),
            "timeout" => {
                let k = 1 + skip_options(&w[1..], &["-s", "-k"]);
                (k + 1).min(w.len())
            }
            f if is_assignment(f) && w.len() > 1 => 1,
            _ => return w,
        };
        if n == 0 || n >= w.len() {
            return w;
        }
        w = &w[n..];
    }
}

/// `NAME=value` with a valid shell name.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Class {
        classify(&crate::analyze::script::words(s).unwrap())
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
            // Build and test runners run project code.
            "cargo test --all",
            "cargo clippy --all -- -D warnings",
            "npm test",
            "make check",
            "go test ./...",
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
            let words = crate::analyze::script::words(&cmd).unwrap_or_default();
            // Classified as a whole block: any word sequence holding `rm -rf` is at least mutating.
            let class = crate::analyze::block_class_of(&cmd);
            proptest::prop_assert!(class >= Class::Mutating, "{cmd}: {class:?} {words:?}");
            let sql = format!("psql -c \"{prefix} DROP TABLE x {suffix}\"");
            proptest::prop_assert_eq!(c(&sql), Class::Destructive);
        }
    }
}
