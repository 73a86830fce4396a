//! Host mapping: document hosts and database services through the
//! profile's `[hosts]` and `[services]`.

use super::build::Builder;
use crate::check::Target;
use crate::subst;

/// Whether a script names a mapped host (a `host:port` key only with that port).
pub(super) fn mentions_host(script: &str, host: &str) -> bool {
    // Host names are case-insensitive; ASCII lower-casing keeps byte offsets.
    let script = &script.to_ascii_lowercase();
    let name = &match subst::split_host_port(host) {
        (h, Some(p)) => format!("{}:{p}", subst::normalize_host(h)),
        (h, None) => subst::normalize_host(h),
    };
    script.match_indices(name.as_str()).any(|(i, _)| {
        let before = script[..i].chars().next_back();
        let after = script[i + name.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

fn map_service(
    url: &str,
    hosts: &std::collections::BTreeMap<String, String>,
    service: Option<&String>,
) -> String {
    // An explicit host mapping for the command's host wins; otherwise the
    // configured service; otherwise what the command said.
    if let Some((scheme, rest)) = url.split_once("://") {
        let (userinfo, after) = match rest.rsplit_once('@') {
            Some((u, a)) => (Some(u), a),
            None => (None, rest),
        };
        let end = after.find('/').unwrap_or(after.len());
        let (host, port) = match after[..end].rsplit_once(':') {
            Some((h, p)) => (h, p.parse().unwrap_or(0)),
            None => (&after[..end], if scheme == "redis" { 6379 } else { 5432 }),
        };
        // `map_addr` compares normalised hosts: `DB.internal.` is `db.internal`.
        if let Some((h, p)) = subst::map_addr(host, port, hosts) {
            let user = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
            return format!("{scheme}://{user}{h}:{p}{}", &after[end..]);
        }
    }
    match service {
        Some(s) => merge_database(s, url),
        None => url.to_string(),
    }
}

/// The service URL names the server; a database named by the command
/// (`psql -d nox_staging`) is used only when the service URL names none.
fn merge_database(service: &str, command_url: &str) -> String {
    let service_has_db = service
        .split_once("://")
        .map(|(_, r)| r.split_once('/').is_some_and(|(_, db)| !db.is_empty()))
        .unwrap_or(false);
    if service_has_db {
        return service.to_string();
    }
    let db = command_url
        .split_once("://")
        .and_then(|(_, r)| r.split_once('/'))
        .map(|(_, db)| db)
        .filter(|db| !db.is_empty());
    match db {
        Some(db) => format!("{}/{db}", service.trim_end_matches('/')),
        None => service.to_string(),
    }
}

impl Builder<'_> {
    /// Maps hosts (and services for psql/redis-cli) through the profile.
    pub(super) fn map_hosts(&self, target: Target) -> Target {
        let hosts = &self.profile.hosts;
        match target {
            Target::Http {
                method,
                url,
                headers,
                body,
                insecure,
                follow,
                basic_auth,
                fail,
                max_time,
            } => Target::Http {
                url: subst::map_url(&url, hosts).unwrap_or(url),
                method,
                headers,
                body,
                insecure,
                follow,
                basic_auth,
                fail,
                max_time,
            },
            Target::WebSocket {
                url,
                headers,
                insecure,
            } => Target::WebSocket {
                url: subst::map_url(&url, hosts).unwrap_or(url),
                headers,
                insecure,
            },
            Target::ClickHouse { url, sql } => Target::ClickHouse {
                url: subst::map_url(&url, hosts)
                    .or_else(|| self.profile.services.get("clickhouse").cloned())
                    .unwrap_or(url),
                sql,
            },
            Target::Tcp { host, port } => {
                let (host, port) = subst::map_addr(&host, port, hosts).unwrap_or((host, port));
                Target::Tcp { host, port }
            }
            Target::Tls {
                host,
                port,
                min_version,
            } => {
                let (host, port) = subst::map_addr(&host, port, hosts).unwrap_or((host, port));
                Target::Tls {
                    host,
                    port,
                    min_version,
                }
            }
            Target::Postgres { url, sql, params } => Target::Postgres {
                url: map_service(&url, hosts, self.profile.services.get("postgres")),
                sql,
                params,
            },
            Target::Redis { url, args } => Target::Redis {
                url: map_service(&url, hosts, self.profile.services.get("redis")),
                args,
            },
            // Load URLs are mapped (or refused) by `push_check`.
            other @ (Target::Shell { .. } | Target::Load { .. } | Target::Metric { .. }) => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn databases_merge_with_services() {
        assert_eq!(
            merge_database(
                "postgres://postgres@127.0.0.1:5432",
                "postgres://localhost/nox_staging"
            ),
            "postgres://postgres@127.0.0.1:5432/nox_staging"
        );
        assert_eq!(
            merge_database(
                "postgres://postgres@127.0.0.1:5432/test",
                "postgres://localhost/nox_staging"
            ),
            "postgres://postgres@127.0.0.1:5432/test"
        );
    }

    #[test]
    fn host_mentions() {
        assert!(mentions_host("curl https://api.x.io/health", "api.x.io"));
        assert!(!mentions_host(
            "curl https://staging-api.x.io/health",
            "api.x.io"
        ));
        assert!(mentions_host(
            "curl http://localhost:3000/x",
            "localhost:3000"
        ));
        assert!(!mentions_host(
            "kafka --bootstrap-server localhost:9092",
            "localhost:3000"
        ));
        assert!(mentions_host("curl https://API.X.IO./health", "api.x.io"));
        assert!(mentions_host("curl https://api.x.io/health", "API.x.io."));
    }
}
