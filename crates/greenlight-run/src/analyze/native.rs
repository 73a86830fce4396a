//! Commands greenlight runs with its own probes instead of a shell: psql,
//! redis-cli, nc/telnet, wscat/websocat, openssl s_client, clickhouse-client
//! (curl has its own module).

use super::classify::{redis_class, redis_command_words, sql_class};
use crate::check::{Expectation, Target};
use crate::profile::Class;

/// A native replacement for a command, with the expectations it implies
/// and the class of what it actually does.
pub struct Native {
    pub target: Target,
    pub expect: Vec<Expectation>,
    pub class: Class,
}

/// Recognises one simple command given as words. `kubectl exec … -- psql …`
/// and `docker compose exec SVC psql …` run the inner command natively
/// against the configured service.
pub fn recognize(words: &[String]) -> Option<Native> {
    let words = unwrap_exec(words);
    let program = super::classify::program_name(words.first()?);
    let args = &words[1..];
    match program.as_str() {
        "psql" => psql(args),
        "redis-cli" => redis(args),
        "nc" | "ncat" | "netcat" => nc(args),
        "telnet" => {
            let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
            let host = pos.first()?;
            let port: u16 = pos.get(1)?.parse().ok()?;
            Some(tcp(host, port))
        }
        "wscat" => websocket(args, true),
        "websocat" => websocket(args, false),
        "openssl" if args.first().is_some_and(|a| a == "s_client") => tls(&args[1..]),
        "clickhouse-client" | "clickhouse" => clickhouse(args),
        _ => None,
    }
}

fn unwrap_exec(words: &[String]) -> &[String] {
    let first = words.first().map(String::as_str);
    if first == Some("kubectl")
        && words.get(1).is_some_and(|w| w == "exec")
        && let Some(dd) = words.iter().position(|w| w == "--")
    {
        return &words[dd + 1..];
    }
    if first == Some("docker") {
        let rest: Vec<&str> = words.iter().map(String::as_str).collect();
        let start = match rest.as_slice() {
            ["docker", "compose", "exec", ..] => 3,
            ["docker", "exec", ..] => 2,
            _ => return words,
        };
        // Skip options, then the service/container name.
        let mut i = start;
        while i < words.len() && words[i].starts_with('-') {
            i += 1;
        }
        return &words[(i + 1).min(words.len())..];
    }
    words
}

fn psql(args: &[String]) -> Option<Native> {
    let (mut host, mut port, mut user, mut db) = (None, None, None, None);
    // psql runs every -c in order; all of them are run and judged.
    let mut commands: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let next = args.get(i + 1).cloned();
        match a {
            "-h" | "--host" => (host, i) = (next, i + 1),
            "-p" | "--port" => (port, i) = (next, i + 1),
            "-U" | "--username" => (user, i) = (next, i + 1),
            "-d" | "--dbname" => (db, i) = (next, i + 1),
            "-c" | "--command" => {
                commands.extend(next);
                i += 1;
            }
            "-f" | "--file" => return None,
            "-t" | "-A" | "-At" | "-tA" | "-q" | "-X" | "--no-psqlrc" | "-w" => {}
            a if a.starts_with("--command=") => commands.push(a["--command=".len()..].to_string()),
            a if a.starts_with('-') => return None,
            a => {
                if db.is_none() {
                    db = Some(a.to_string());
                } else if user.is_none() {
                    user = Some(a.to_string());
                }
            }
        }
        i += 1;
    }
    if commands.is_empty() {
        return None;
    }
    let sql = super::sql::join_commands(&commands);
    let url = match db.as_deref() {
        Some(d) if d.starts_with("postgres://") || d.starts_with("postgresql://") => d.to_string(),
        _ => {
            let user = user.map(|u| format!("{u}@")).unwrap_or_default();
            let host = host.unwrap_or_else(|| "localhost".into());
            let port = port.unwrap_or_else(|| "5432".into());
            format!("postgres://{user}{host}:{port}/{}", db.unwrap_or_default())
        }
    };
    Some(Native {
        class: sql_class(&sql),
        target: Target::Postgres {
            url,
            sql,
            params: Vec::new(),
        },
        expect: Vec::new(),
    })
}

fn redis(args: &[String]) -> Option<Native> {
    let (mut host, mut port, mut url, mut password) = (None, None, None, None);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" => (host, i) = (args.get(i + 1).cloned(), i + 1),
            "-p" => (port, i) = (args.get(i + 1).cloned(), i + 1),
            "-u" => (url, i) = (args.get(i + 1).cloned(), i + 1),
            "-a" | "--pass" => (password, i) = (args.get(i + 1).cloned(), i + 1),
            "-n" | "--user" => i += 1,
            a if a.starts_with('-') => {
                if !matches!(a, "--no-auth-warning" | "--raw" | "--no-raw") {
                    return None;
                }
            }
            _ => break,
        }
        i += 1;
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let cmd = redis_command_words(&refs);
    if cmd.is_empty() {
        return None; // interactive
    }
    let url = url.unwrap_or_else(|| {
        let auth = password.map(|p| format!(":{p}@")).unwrap_or_default();
        format!(
            "redis://{auth}{}:{}",
            host.unwrap_or_else(|| "localhost".into()),
            port.unwrap_or_else(|| "6379".into())
        )
    });
    let mut expect = Vec::new();
    if cmd[0].eq_ignore_ascii_case("ping") && cmd.len() == 1 {
        expect.push(Expectation::Contains {
            text: "PONG".into(),
        });
    }
    Some(Native {
        class: redis_class(&cmd),
        target: Target::Redis { url, args: cmd },
        expect,
    })
}

fn nc(args: &[String]) -> Option<Native> {
    let zero_io = args
        .iter()
        .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('z'));
    if !zero_io {
        return None;
    }
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let host = pos.first()?;
    let port: u16 = pos.get(1)?.parse().ok()?;
    Some(tcp(host, port))
}

fn tcp(host: &str, port: u16) -> Native {
    Native {
        target: Target::Tcp {
            host: host.to_string(),
            port,
        },
        expect: Vec::new(),
        class: Class::Read,
    }
}

fn websocket(args: &[String], wscat: bool) -> Option<Native> {
    let mut url = None;
    let mut headers = Vec::new();
    let mut insecure = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-c" | "--connect" if wscat => (url, i) = (args.get(i + 1).cloned(), i + 1),
            "-H" | "--header" => {
                let h = args.get(i + 1)?;
                let (k, v) = h.split_once(':')?;
                headers.push((k.trim().to_string(), v.trim().to_string()));
                i += 1;
            }
            "-n" | "--no-check" | "-k" | "--insecure" => insecure = true,
            "&" => {}
            a if a.starts_with("-H=") || a.starts_with("--header=") => {
                let h = a.split_once('=')?.1;
                let (k, v) = h.split_once(':')?;
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            a if a.starts_with('-') => return None,
            a if url.is_none() && (a.starts_with("ws://") || a.starts_with("wss://")) => {
                url = Some(a.to_string())
            }
            _ => return None,
        }
        i += 1;
    }
    Some(Native {
        target: Target::WebSocket {
            url: url?,
            headers,
            insecure,
        },
        expect: vec![Expectation::Status { code: 101 }],
        class: Class::Read,
    })
}

fn tls(args: &[String]) -> Option<Native> {
    let mut connect = None;
    let mut min_version = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-connect" => (connect, i) = (args.get(i + 1).cloned(), i + 1),
            "-servername" => i += 1,
            "-tls1_2" => min_version = Some("1.2".to_string()),
            "-tls1_3" => min_version = Some("1.3".to_string()),
            _ => {}
        }
        i += 1;
    }
    let connect = connect?;
    let (host, port) = connect
        .rsplit_once(':')
        .map_or((connect.as_str(), "443"), |(h, p)| (h, p));
    let port: u16 = port.parse().ok()?;
    Some(tls_check(host, port, min_version))
}

/// A TLS check: certificate valid, and at least `min_version` if given.
pub fn tls_check(host: &str, port: u16, min_version: Option<String>) -> Native {
    let mut expect = vec![Expectation::CertificateValid];
    if let Some(v) = &min_version {
        expect.push(Expectation::TlsAtLeast { version: v.clone() });
    }
    Native {
        target: Target::Tls {
            host: host.to_string(),
            port,
            min_version,
        },
        expect,
        class: Class::Read,
    }
}

fn clickhouse(args: &[String]) -> Option<Native> {
    let (mut host, mut query) = (None, None);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--host" | "-h" => (host, i) = (args.get(i + 1).cloned(), i + 1),
            "--query" | "-q" => (query, i) = (args.get(i + 1).cloned(), i + 1),
            a if a.starts_with("--query=") => query = Some(a["--query=".len()..].to_string()),
            _ => {}
        }
        i += 1;
    }
    let sql = query?;
    let url = format!("http://{}:8123", host.unwrap_or_else(|| "localhost".into()));
    Some(Native {
        class: sql_class(&sql),
        target: Target::ClickHouse { url, sql },
        expect: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Option<Native> {
        recognize(&crate::analyze::script::words(s).unwrap())
    }

    #[test]
    fn every_psql_command_runs_and_counts() {
        let n = r(r#"psql -d db -c "SELECT 1" -c "DELETE FROM t""#).unwrap();
        assert_eq!(n.class, Class::Destructive);
        assert!(
            matches!(&n.target, Target::Postgres { sql, .. } if sql == "SELECT 1;\nDELETE FROM t;\n"),
            "{:?}",
            n.target
        );
        assert!(r(r#"psql -d db -c "SELECT 1" -o /tmp/x"#).is_none());
        assert!(r(r#"psql -d db -c "SELECT 1" -f x.sql"#).is_none());
    }

    #[test]
    fn seed_commands() {
        let n = r(r#"psql -d nox_staging -c "SELECT version();""#).unwrap();
        assert_eq!(n.class, Class::Read);
        assert!(
            matches!(&n.target, Target::Postgres { url, sql, .. } if url == "postgres://localhost:5432/nox_staging" && sql == "SELECT version();")
        );
        let n =
            r(r#"psql -h staging-db.nova-social.io -U nova_user -d nova_streaming -c "SELECT 1;""#)
                .unwrap();
        assert!(
            matches!(&n.target, Target::Postgres { url, .. } if url == "postgres://nova_user@staging-db.nova-social.io:5432/nova_streaming")
        );
        let n = r(r#"kubectl exec -it <postgres-pod> -- psql -U postgres -c "SELECT 1;""#).unwrap();
        assert!(matches!(n.target, Target::Postgres { .. }));
        assert!(r("psql -d nox_staging -f x.sql").is_none());
        let n = r("redis-cli -h <redis-host> ping").unwrap();
        assert!(
            matches!(&n.target, Target::Redis { url, args } if url == "redis://<redis-host>:6379" && args == &["ping"])
        );
        assert_eq!(
            n.expect,
            vec![Expectation::Contains {
                text: "PONG".into()
            }]
        );
        assert!(r("redis-cli -h host").is_none());
        assert!(matches!(
            r("telnet staging-rtmp.nova-social.io 1935").unwrap().target,
            Target::Tcp { port: 1935, .. }
        ));
        assert!(matches!(
            r("nc -zv db 5432").unwrap().target,
            Target::Tcp { port: 5432, .. }
        ));
        assert!(r("nc db 5432").is_none());
        let n =
            r(r#"wscat -c wss://staging-api.yourdomain.com/ws -H "Authorization: Bearer $TOKEN""#)
                .unwrap();
        assert!(
            matches!(&n.target, Target::WebSocket { url, headers, .. } if url == "wss://staging-api.yourdomain.com/ws" && headers[0].1 == "Bearer $TOKEN")
        );
        let n = r("openssl s_client -connect api.x.io:443 -tls1_2").unwrap();
        assert!(
            matches!(&n.target, Target::Tls { port: 443, min_version: Some(v), .. } if v == "1.2")
        );
        let n = r(r#"clickhouse-client --query "SELECT 1""#).unwrap();
        assert!(matches!(n.target, Target::ClickHouse { .. }));
    }
}
