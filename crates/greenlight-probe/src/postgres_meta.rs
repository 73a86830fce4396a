//! psql meta-commands that list things (`\dt`, `\l`, `\d users` …), answered with catalog
//! queries, since the server itself does not know them. Patterns are psql's (`public.*`,
//! `user?`) and are bound as parameters, never pasted into the query.

use crate::sql_judge::meta_parts;
use crate::{ProbeError, Result};

/// A catalog query standing for a meta-command, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MetaQuery {
    pub sql: String,
    pub params: Vec<String>,
}

/// A psql pattern as `(schema LIKE pattern, name LIKE pattern)`; unquoted parts fold to lower
/// case, `*` is any text and `?` any one character.
fn like_patterns(pattern: &str) -> (Option<String>, String) {
    let mut parts: Vec<String> = vec![String::new()];
    let mut quoted = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let cur = parts.last_mut().expect("parts is never empty");
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(String::new()),
            '*' if !quoted => cur.push('%'),
            '?' if !quoted => cur.push('_'),
            '%' | '_' | '\\' => {
                cur.push('\\');
                cur.push(c);
            }
            c if quoted => cur.push(c),
            c => cur.extend(c.to_lowercase()),
        }
    }
    let name = parts.pop().unwrap_or_default();
    let schema = parts.pop();
    (schema, name)
}

const RELKIND_NAME: &str = "CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' \
     WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' \
     WHEN 'I' THEN 'partitioned index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' END";

/// Translates a meta-command (its whole text, `\dt public.*`).
pub(crate) fn translate(text: &str) -> Result<MetaQuery> {
    let (name, args) = meta_parts(text);
    let pattern = args.first().map(|p| like_patterns(p));
    let unsupported = || {
        ProbeError::invalid(
            "psql meta-command",
            format!("\\{name} is not one greenlight can run natively"),
        )
    };
    if args.len() > 1 {
        return Err(unsupported());
    }
    let mut params = Vec::new();
    let mut filter = |column: &str, value: Option<String>, out: &mut String| {
        if let Some(v) = value {
            params.push(v);
            out.push_str(&format!(" AND {column} LIKE ${}", params.len()));
        }
    };
    let mut sql = String::new();
    match name.as_str() {
        "conninfo" => {
            sql.push_str(
                "SELECT current_database()::text AS database, current_user::text AS \"user\", \
                 coalesce(host(inet_server_addr()), 'local socket') AS host, \
                 coalesce(inet_server_port()::text, '') AS port",
            );
        }
        "l" => {
            sql.push_str(
                "SELECT d.datname::text AS \"Name\", pg_get_userbyid(d.datdba)::text AS \"Owner\", \
                 pg_encoding_to_char(d.encoding)::text AS \"Encoding\" FROM pg_catalog.pg_database d WHERE true",
            );
            filter("d.datname::text", pattern.map(|p| p.1), &mut sql);
            sql.push_str(" ORDER BY 1");
        }
        "dn" => {
            sql.push_str(
                "SELECT n.nspname::text AS \"Name\", pg_get_userbyid(n.nspowner)::text AS \"Owner\" \
                 FROM pg_catalog.pg_namespace n WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'",
            );
            filter("n.nspname::text", pattern.map(|p| p.1), &mut sql);
            sql.push_str(" ORDER BY 1");
        }
        "du" | "dg" => {
            sql.push_str(
                "SELECT r.rolname::text AS \"Role name\", \
                 concat_ws(', ', CASE WHEN r.rolsuper THEN 'Superuser' END, \
                 CASE WHEN r.rolcreaterole THEN 'Create role' END, \
                 CASE WHEN r.rolcreatedb THEN 'Create DB' END, \
                 CASE WHEN NOT r.rolcanlogin THEN 'Cannot login' END) AS \"Attributes\" \
                 FROM pg_catalog.pg_roles r WHERE r.rolname !~ '^pg_'",
            );
            filter("r.rolname::text", pattern.map(|p| p.1), &mut sql);
            sql.push_str(" ORDER BY 1");
        }
        "dx" => {
            sql.push_str(
                "SELECT e.extname::text AS \"Name\", e.extversion AS \"Version\", n.nspname::text AS \"Schema\" \
                 FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE true",
            );
            filter("e.extname::text", pattern.map(|p| p.1), &mut sql);
            sql.push_str(" ORDER BY 1");
        }
        "d" if pattern.is_some() => {
            sql.push_str(
                "SELECT a.attname::text AS \"Column\", pg_catalog.format_type(a.atttypid, a.atttypmod) AS \"Type\", \
                 CASE WHEN a.attnotnull THEN 'not null' ELSE '' END AS \"Nullable\" \
                 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE a.attnum > 0 AND NOT a.attisdropped",
            );
            relation_filter(pattern, &mut sql, &mut filter);
            sql.push_str(" ORDER BY n.nspname, c.relname, a.attnum");
        }
        "d" | "dt" | "di" | "dv" | "ds" | "dm" => {
            let kinds = match name.as_str() {
                "dt" => "'r','p'",
                "di" => "'i','I'",
                "dv" => "'v'",
                "ds" => "'S'",
                "dm" => "'m'",
                _ => "'r','p','v','m','S','f'",
            };
            sql.push_str(&format!(
                "SELECT n.nspname::text AS \"Schema\", c.relname::text AS \"Name\", {RELKIND_NAME} AS \"Type\", \
                 pg_get_userbyid(c.relowner)::text AS \"Owner\" FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ({kinds})"
            ));
            relation_filter(pattern, &mut sql, &mut filter);
            sql.push_str(" ORDER BY 1, 2");
        }
        _ => return Err(unsupported()),
    }
    Ok(MetaQuery { sql, params })
}

fn relation_filter(
    pattern: Option<(Option<String>, String)>,
    sql: &mut String,
    filter: &mut impl FnMut(&str, Option<String>, &mut String),
) {
    match pattern {
        None => sql.push_str(
            " AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' \
             AND n.nspname !~ '^pg_toast' AND pg_catalog.pg_table_is_visible(c.oid)",
        ),
        Some((schema, name)) => {
            if schema.is_none() {
                sql.push_str(" AND pg_catalog.pg_table_is_visible(c.oid)");
            }
            filter("n.nspname::text", schema, sql);
            filter("c.relname::text", Some(name), sql);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(
            like_patterns("public.*"),
            (Some("public".into()), "%".into())
        );
        assert_eq!(like_patterns("Users?"), (None, "users_".into()));
        assert_eq!(like_patterns("\"My.T\""), (None, "My.T".into()));
        assert_eq!(like_patterns("a_b%"), (None, "a\\_b\\%".into()));
    }

    #[test]
    fn translations_bind_patterns() {
        let q = translate("\\dt public.*").unwrap();
        assert_eq!(q.params, vec!["public".to_string(), "%".to_string()]);
        assert!(q.sql.contains("$1") && q.sql.contains("$2"), "{}", q.sql);
        let q = translate("\\d users").unwrap();
        assert_eq!(q.params, vec!["users".to_string()]);
        assert!(translate("\\dt").unwrap().params.is_empty());
        assert!(translate("\\l+").is_ok());
        assert!(translate("\\conninfo").is_ok());
        assert!(translate("\\copy t to x").is_err());
        assert!(translate("\\dt a b").is_err());
    }
}
