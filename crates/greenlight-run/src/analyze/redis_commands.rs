//! redis-cli lines: the command words after redis-cli's own options, and their class from
//! Redis's own command table ([`greenlight_probe::redis_commands`], generated from Redis 7).

use super::sql::class_of;
use crate::profile::Class;
use greenlight_probe::redis_commands::redis_effect;

/// Options of redis-cli that take a value.
const VALUED: &[&str] = &[
    "-h",
    "-p",
    "-a",
    "-u",
    "-n",
    "-s",
    "-r",
    "-i",
    "-d",
    "-D",
    "--user",
    "--pass",
    "--askpass",
    "--tls-cert",
    "--tls-key",
    "--cacert",
    "--cacertdir",
    "--sni",
    "--pattern",
    "--count",
    "--quoted-pattern",
    "--memkeys-samples",
    "--eval",
    "--rdb",
    "--functions-rdb",
    "--pipe-timeout",
];

/// The command words of a redis-cli invocation (after its options).
pub fn redis_command_words(args: &[&str]) -> Vec<String> {
    let mut i = 0;
    while i < args.len() {
        match args[i] {
            a if VALUED.contains(&a) => i += 2,
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    args.get(i..)
        .unwrap_or(&[])
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The class of one Redis command given as words (`["CLIENT", "KILL", …]`): read only when
/// Redis flags it (or its subcommand) `readonly` and not admin, dangerous, blocking or write;
/// no command (interactive redis-cli) or one not in the table is not read.
pub fn redis_class(cmd: &[String]) -> Class {
    class_of(redis_effect(cmd).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let args: Vec<&str> = s.split_whitespace().collect();
        redis_command_words(&args)
    }

    #[test]
    fn words_after_options() {
        assert_eq!(
            words("-h host -p 1 --no-auth-warning GET k"),
            vec!["GET", "k"]
        );
        assert_eq!(words("-h host"), Vec::<String>::new());
    }

    #[test]
    fn classes() {
        let c = |s: &str| redis_class(&words(s));
        assert_eq!(c("-h h ping"), Class::Read);
        assert_eq!(c("GET k"), Class::Read);
        assert_eq!(c("CLIENT KILL ID 1"), Class::Mutating);
        assert_eq!(c("CLIENT LIST"), Class::Mutating);
        assert_eq!(c("SLOWLOG RESET"), Class::Mutating);
        assert_eq!(c("CONFIG GET x"), Class::Mutating);
        assert_eq!(c("FLUSHALL"), Class::Destructive);
        assert_eq!(c("DEL k"), Class::Destructive);
        assert_eq!(c("EVAL x 0"), Class::Mutating);
        assert_eq!(c("EVAL_RO x 0"), Class::Read);
        assert_eq!(c(""), Class::Mutating);
    }
}
