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
    if let Some(parts) = subst::split_url(url) {
        let default = if parts.scheme == "redis" { 6379 } else { 5432 };
        // `map_addr` compares normalised hosts: `DB.internal.` is `db.internal`.
        if let Some((h, p)) = subst::map_addr(parts.host, parts.port.unwrap_or(default), hosts) {
            let user = parts.userinfo.map(|u| format!("{u}@")).unwrap_or_default();
            return format!("{}://{user}{h}:{p}{}", parts.scheme, parts.rest);
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
    pub(super) fn map_hosts(&self, mut target: Target) -> Target {
        let hosts = &self.profile.hosts;
        let services = &self.profile.services;
        match &mut target {
            Target::Http { url, .. } | Target::WebSocket { url, .. } => {
                if let Some(mapped) = subst::map_url(url, hosts) {
                    *url = mapped;
                }
            }
            Target::ClickHouse { url, .. } => {
                if let Some(mapped) =
                    subst::map_url(url, hosts).or_else(|| services.get("clickhouse").cloned())
                {
                    *url = mapped;
                }
            }
            Target::Tcp { host, port } | Target::Tls { host, port, .. } => {
                if let Some((h, p)) = subst::map_addr(host, *port, hosts) {
                    (*host, *port) = (h, p);
                }
            }
            Target::Postgres { url, .. } => {
                *url = map_service(url, hosts, services.get("postgres"));
            }
            Target::Redis { url, .. } => *url = map_service(url, hosts, services.get("redis")),
            // Load URLs are mapped (or refused) by `push_check`.
            Target::Shell { .. } | Target::Load { .. } | Target::Metric { .. } => {}
        }
        target
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
    fn database_hosts_map_through_the_profile() {
        let hosts: std::collections::BTreeMap<String, String> = [
            ("db.internal".to_string(), "127.0.0.1:5433".to_string()),
            ("cache".to_string(), "127.0.0.1".to_string()),
        ]
        .into();
        let service = "postgres://postgres@127.0.0.1:5432".to_string();
        assert_eq!(
            map_service(
                "postgres://app:pw@DB.internal./orders?sslmode=disable",
                &hosts,
                None
            ),
            "postgres://app:pw@127.0.0.1:5433/orders?sslmode=disable"
        );
        // No port written: the scheme's default, kept when the mapping names none.
        assert_eq!(
            map_service("redis://cache", &hosts, None),
            "redis://127.0.0.1:6379"
        );
        // Not mapped: the service, with the command's database.
        assert_eq!(
            map_service("postgres://elsewhere/orders", &hosts, Some(&service)),
            "postgres://postgres@127.0.0.1:5432/orders"
        );
        assert_eq!(map_service("orders", &hosts, None), "orders");
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
