//! The class of a Redis command, from Redis's own command table.
//!
//! `redis_commands.txt` is generated from a real Redis 7 by `tools/redis-commands.sh`
//! (`COMMAND`): one line per command or subcommand, `name[|subcommand] flags @categories`.
//! A command is read when its flags include `readonly` and neither its flags nor its ACL
//! categories include admin, dangerous, blocking or write; for container commands (`CLIENT`,
//! `CONFIG`, `SLOWLOG`, `MEMORY`, `OBJECT`, `XINFO` …) the subcommand's entry decides. A
//! command or subcommand not in the table is not read. [`ALLOW_READ`] adds a few
//! informational commands Redis does not flag `readonly`.

use crate::access::Effect;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The embedded table (Redis 7.0, generated; see the module docs).
pub const TABLE: &str = include_str!("redis_commands.txt");

/// Commands read although Redis does not flag them `readonly`: each changes nothing and carries
/// only the flags `fast`, `loading`, `stale` and the categories `@fast`, `@connection`
/// (a test checks this against the table):
/// - `PING`: answers PONG (or echoes its argument);
/// - `ECHO`: returns its argument;
/// - `TIME`: returns the server clock.
///
/// `INFO` is not among them: Redis puts it in `@dangerous` (it reveals configuration), so by the
/// rule it is not read; neither are `CONFIG GET`, `CLIENT LIST`, `SLOWLOG GET`, `KEYS`,
/// `ROLE`, `LASTSAVE` (all `@admin` or `@dangerous`).
pub const ALLOW_READ: &[&str] = &["ping", "echo", "time"];

/// Markers (flags or categories) that make a command not read.
const NOT_READ: &[&str] = &[
    "admin",
    "dangerous",
    "blocking",
    "write",
    "@admin",
    "@dangerous",
    "@blocking",
    "@write",
];

/// Commands that delete data (classed destructive rather than merely mutating).
const DESTRUCTIVE: &[&str] = &[
    "del",
    "unlink",
    "flushall",
    "flushdb",
    "shutdown",
    "swapdb",
    "script|flush",
    "function|flush",
    "function|delete",
    "xtrim",
    "ltrim",
    "zremrangebyscore",
    "zremrangebyrank",
    "zremrangebylex",
];

/// Commands Redis flags `readonly` that still change what the server holds, with why (Redis's
/// own sources flag PFCOUNT `may_replicate`, which `COMMAND` does not show).
const CHANGES_DESPITE_READONLY: &[(&str, &str)] = &[
    (
        "pfcount",
        "PFCOUNT may rewrite the HyperLogLog's cached cardinality (Redis replicates it)",
    ),
    ("touch", "TOUCH updates the keys' last access time"),
];

/// The table entry (flags and categories) for `key` (`get`, `client|kill`).
pub fn entry(key: &str) -> Option<Vec<&'static str>> {
    INDEX.entries.get(key).cloned()
}

/// The table read once: each command's markers (the first line of a name
/// wins, as a scan from the top finds it), and every text a line starts
/// with before one of its `|` (what [`is_container`] asks).
struct Index {
    entries: HashMap<&'static str, Vec<&'static str>>,
    before_bar: HashSet<&'static str>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut entries = HashMap::new();
    let mut before_bar = HashSet::new();
    for l in TABLE.lines() {
        before_bar.extend(l.match_indices('|').map(|(p, _)| &l[..p]));
        if l.starts_with('#') {
            continue;
        }
        let mut words = l.split_whitespace();
        if let Some(name) = words.next() {
            entries.entry(name).or_insert_with(|| words.collect());
        }
    }
    Index {
        entries,
        before_bar,
    }
});

fn is_container(name: &str) -> bool {
    INDEX.before_bar.contains(name)
}

/// [`entry`] and [`is_container`] as a scan of the table: what the index
/// is tested against.
#[cfg(test)]
fn entry_scan(key: &str) -> Option<Vec<&'static str>> {
    TABLE.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let mut words = l.split_whitespace();
        (words.next() == Some(key)).then(|| words.collect())
    })
}

#[cfg(test)]
fn is_container_scan(name: &str) -> bool {
    let prefix = format!("{name}|");
    TABLE.lines().any(|l| l.starts_with(&prefix))
}

/// The table key for a command given as words: `client|kill` for `CLIENT KILL …`, `get` for
/// `GET k`. `None` when there is no command word.
pub fn command_key(args: &[String]) -> Option<String> {
    let name = args.first()?.to_ascii_lowercase();
    if is_container(&name)
        && let Some(sub) = args.get(1)
    {
        return Some(format!("{name}|{}", sub.to_ascii_lowercase()));
    }
    Some(name)
}

/// The effect of one command (`args[0]` is its name) and, unless it is read, why.
pub fn redis_effect(args: &[String]) -> (Effect, Option<String>) {
    let Some(key) = command_key(args) else {
        return (
            Effect::Mutating,
            Some("no command given (interactive redis-cli)".into()),
        );
    };
    let shown = key.replace('|', " ").to_uppercase();
    if DESTRUCTIVE.contains(&key.as_str()) {
        return (Effect::Destructive, Some(format!("{shown} deletes data")));
    }
    if let Some((_, why)) = CHANGES_DESPITE_READONLY.iter().find(|(k, _)| *k == key) {
        return (Effect::Mutating, Some((*why).to_string()));
    }
    let Some(markers) = entry(&key) else {
        return (
            Effect::Mutating,
            Some(format!("{shown} is not in Redis's command table")),
        );
    };
    if let Some(bad) = markers.iter().find(|m| NOT_READ.contains(m)) {
        return (
            Effect::Mutating,
            Some(format!(
                "Redis marks {shown} as {}",
                bad.trim_start_matches('@')
            )),
        );
    }
    if markers.contains(&"readonly") || ALLOW_READ.contains(&key.as_str()) {
        (Effect::Read, None)
    } else {
        (
            Effect::Mutating,
            Some(format!("Redis does not mark {shown} as readonly")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effect(line: &str) -> Effect {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        redis_effect(&args).0
    }

    #[test]
    fn flagged_readonly_but_changes_something() {
        assert_eq!(effect("PFCOUNT hll"), Effect::Mutating);
        assert_eq!(effect("touch a b"), Effect::Mutating);
    }

    #[test]
    fn reads() {
        for c in [
            "PING",
            "ping",
            "ECHO x",
            "TIME",
            "GET k",
            "MGET a b",
            "TTL k",
            "PTTL k",
            "EXISTS k",
            "TYPE k",
            "DBSIZE",
            "SCAN 0",
            "HGETALL h",
            "LRANGE l 0 -1",
            "STRLEN k",
            "MEMORY USAGE k",
            "OBJECT ENCODING k",
            "XINFO STREAM s",
            "EVAL_RO 'return 1' 0",
            "EVALSHA_RO abc 0",
            "FCALL_RO f 0",
        ] {
            assert_eq!(
                effect(c),
                Effect::Read,
                "{c}: {:?}",
                redis_effect(&[c.into()])
            );
        }
    }

    #[test]
    fn not_reads() {
        for c in [
            "CLIENT KILL ID 1",
            "client kill 127.0.0.1:1",
            "CLIENT PAUSE 1000",
            "CLIENT LIST",
            "CLIENT",
            "SLOWLOG RESET",
            "SLOWLOG GET",
            "CONFIG SET maxmemory 1",
            "CONFIG GET maxmemory",
            "CONFIG RESETSTAT",
            "DEBUG SLEEP 1",
            "SET k v",
            "EXPIRE k 1",
            "INCR k",
            "EVAL 'return 1' 0",
            "EVALSHA abc 0",
            "FCALL f 0",
            "MULTI",
            "EXEC",
            "INFO",
            "KEYS *",
            "MONITOR",
            "SUBSCRIBE c",
            "BLPOP l 0",
            "XREAD BLOCK 0 STREAMS s 0",
            "SAVE",
            "BGSAVE",
            "MEMORY PURGE",
            "SCRIPT LOAD x",
            "NOSUCHCOMMAND",
            "CLIENT NOSUCHSUB",
            "",
        ] {
            assert!(effect(c) >= Effect::Mutating, "{c}");
        }
        for c in ["DEL k", "UNLINK k", "FLUSHALL", "flushdb async", "SHUTDOWN"] {
            assert_eq!(effect(c), Effect::Destructive, "{c}");
        }
    }

    #[test]
    fn allow_list_carries_no_dangerous_marker() {
        for name in ALLOW_READ {
            let markers = entry(name).expect("in the table");
            for m in &markers {
                assert!(
                    matches!(*m, "fast" | "loading" | "stale" | "@fast" | "@connection"),
                    "{name}: {m}"
                );
            }
        }
    }

    /// The index answers as the scan of the table does: for every name in
    /// it, every text before a `|`, their neighbours and other words.
    #[test]
    fn index_agrees_with_the_scan() {
        let mut keys: Vec<String> = vec!["".into(), "#".into(), "|".into(), "get x".into()];
        for l in TABLE.lines() {
            let first = l.split_whitespace().next().unwrap_or("");
            keys.push(first.to_string());
            keys.push(format!("{first}x"));
            keys.push(first.chars().skip(1).collect());
            for (p, _) in l.match_indices('|') {
                keys.push(l[..p].to_string());
                keys.push(l[..p + 1].to_string());
            }
        }
        for k in &keys {
            assert_eq!(entry(k), entry_scan(k), "{k:?}");
            assert_eq!(is_container(k), is_container_scan(k), "{k:?}");
        }
        assert!(is_container("client"));
        assert!(!is_container("get"));
    }

    proptest::proptest! {
        #[test]
        fn index_agrees_with_the_scan_on_any_word(k in "[a-z|#@ ]{0,12}") {
            proptest::prop_assert_eq!(entry(&k), entry_scan(&k));
            proptest::prop_assert_eq!(is_container(&k), is_container_scan(&k));
        }
    }

    #[test]
    fn table_is_well_formed() {
        let lines: Vec<&str> = TABLE.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(lines.len() > 300, "{}", lines.len());
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
        assert!(entry("get").unwrap().contains(&"readonly"));
    }

    /// Regenerates the table from the machine's Redis, when there is one, and checks the
    /// embedded copy is current.
    #[test]
    fn embedded_table_matches_the_local_redis() {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/redis-commands.sh");
        let out = std::process::Command::new("sh")
            .arg(script)
            .output()
            .ok()
            .filter(|o| o.status.success() && !o.stdout.is_empty());
        let Some(out) = out else {
            if std::env::var("GREENLIGHT_REQUIRE_SERVICES").as_deref() == Ok("1") {
                panic!("Redis (redis-cli, jq) is required to check the command table");
            }
            eprintln!("note: no local Redis; the command table was not compared");
            return;
        };
        let fresh = String::from_utf8_lossy(&out.stdout);
        if fresh.lines().next() != TABLE.lines().next() {
            eprintln!("note: the local Redis has another version; not compared");
            return;
        }
        assert!(
            fresh == TABLE,
            "src/redis_commands.txt is stale: run tools/redis-commands.sh"
        );
    }
}
