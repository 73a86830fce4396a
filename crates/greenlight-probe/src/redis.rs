//! One Redis command, with the reply rendered the way `redis-cli` shows it.

use redis::Value;
use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;

use crate::redis_commands::{command_key, redis_effect};
use crate::{Access, Effect, ProbeError, Result, util};

/// Result of [`redis_command`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedisReport {
    /// The reply as interactive `redis-cli` prints it: `PONG`, `OK`, `(integer) 3`,
    /// `"value"` (bulk strings quoted and escaped), `(nil)`, numbered lists `1) "a"` …
    /// (no trailing newline).
    pub reply_text: String,
    /// The reply as `redis-cli` prints it when its output is not a terminal (`--raw`):
    /// strings unquoted, `3` for integers, empty for nil, list items on separate lines.
    pub raw_text: String,
    /// The structured reply.
    pub reply: RedisReply,
    /// Connect plus round trip. Serialized as `duration_ms`.
    #[serde(rename = "duration_ms", serialize_with = "util::ms::serialize")]
    pub duration: Duration,
}

/// A Redis reply (RESP2/RESP3 types). Serialized as `{"type": "...", "value": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RedisReply {
    /// Nil / null.
    Nil,
    /// Simple status string such as `OK` or `PONG`.
    Status(String),
    /// Integer.
    Integer(i64),
    /// Binary-safe bulk string (serialized as lossy UTF-8).
    Bulk(#[serde(serialize_with = "util::serialize_lossy")] Vec<u8>),
    /// Array of replies.
    Array(Vec<RedisReply>),
    /// Map (RESP3), as key/value pairs.
    Map(Vec<(RedisReply, RedisReply)>),
    /// Set (RESP3).
    Set(Vec<RedisReply>),
    /// Double (RESP3).
    Double(f64),
    /// Boolean (RESP3).
    Boolean(bool),
    /// Verbatim string (RESP3), text only.
    Verbatim(String),
    /// Big number (RESP3), as decimal text.
    BigNumber(String),
    /// Push message (RESP3).
    Push(Vec<RedisReply>),
}

/// Sends one command (`args[0]` is the command name, e.g. `["PING"]`, `["GET", "key"]`) to the
/// server at `url` (`redis://[user:pass@]host:port[/db]`; a bare `host:port` is accepted too)
/// and returns the reply, all within `timeout`.
///
/// An error reply from the server (`ERR …`, `WRONGTYPE …`, `NOAUTH …`) is returned as
/// [`ProbeError::Server`] with the text `redis-cli` would show after `(error)`.
/// `rediss://` (TLS) is not supported.
///
/// With [`Access::ReadOnly`] the command is judged by [`redis_effect`] (Redis's own command
/// table) on the final `args`, each one argument whatever it holds, and anything not read is
/// refused with [`ProbeError::Refused`] before connecting. One command per call: `MULTI`,
/// `EXEC` and pipelines are not read.
pub async fn redis_command(
    url: &str,
    args: &[String],
    access: Access,
    timeout: Duration,
) -> Result<RedisReport> {
    let Some((name, rest)) = args.split_first() else {
        return Err(ProbeError::invalid("Redis command", "no command given"));
    };
    if access == Access::ReadOnly {
        let (effect, reason) = redis_effect(args);
        if effect != Effect::Read {
            let shown = command_key(args)
                .unwrap_or_default()
                .replace('|', " ")
                .to_uppercase();
            return Err(ProbeError::refused(
                format!("Redis command {shown}"),
                reason.unwrap_or_else(|| "it is not read".into()),
            ));
        }
    }
    let url = url.trim();
    let url = if url.contains("://") {
        url.to_string()
    } else {
        format!("redis://{url}")
    };
    if url.starts_with("rediss://") {
        return Err(ProbeError::invalid(
            "Redis URL",
            "rediss:// (TLS) is not supported",
        ));
    }
    let client = redis::Client::open(url.as_str())
        .map_err(|e| ProbeError::invalid("Redis URL", e.to_string()))?;
    let addr = client.get_connection_info().addr().to_string();

    let start = Instant::now();
    let deadline = util::deadline(start, timeout);
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout));
    let mut con = match tokio::time::timeout_at(
        deadline,
        client.get_multiplexed_async_connection_with_config(&config),
    )
    .await
    {
        Err(_) => {
            return Err(ProbeError::timeout(
                timeout,
                format!("connecting to Redis at {addr}"),
            ));
        }
        Ok(Err(e)) => return Err(redis_error(&e, &addr, timeout, true)),
        Ok(Ok(c)) => c,
    };
    let mut cmd = redis::cmd(name);
    for a in rest {
        cmd.arg(a.as_str());
    }
    let value: Value = match tokio::time::timeout_at(deadline, cmd.query_async(&mut con)).await {
        Err(_) => {
            return Err(ProbeError::timeout(
                timeout,
                format!("waiting for the reply from Redis at {addr}"),
            ));
        }
        Ok(Err(e)) => return Err(redis_error(&e, &addr, timeout, false)),
        Ok(Ok(v)) => v,
    };
    let duration = start.elapsed();
    let value = value
        .extract_error()
        .map_err(|e| redis_error(&e, &addr, timeout, false))?;
    let reply = RedisReply::from_value(value);
    Ok(RedisReport {
        reply_text: render_tty(&reply),
        raw_text: render_raw(&reply),
        reply,
        duration,
    })
}

fn redis_error(
    e: &redis::RedisError,
    addr: &str,
    timeout: Duration,
    connecting: bool,
) -> ProbeError {
    if let Some(code) = e.code() {
        let message = match e.detail() {
            Some(d) if !d.is_empty() => format!("{code} {d}"),
            _ => code.to_string(),
        };
        return ProbeError::Server {
            service: "Redis".into(),
            message,
        };
    }
    if e.kind() == redis::ErrorKind::AuthenticationFailed {
        return ProbeError::Server {
            service: "Redis".into(),
            message: format!("authentication failed: {}", e.detail().unwrap_or_default()),
        };
    }
    if e.is_timeout() {
        let phase = if connecting {
            format!("connecting to Redis at {addr}")
        } else {
            format!("waiting for the reply from Redis at {addr}")
        };
        return ProbeError::timeout(timeout, phase);
    }
    if connecting && e.is_connection_refusal() {
        return ProbeError::ConnectRefused {
            addr: addr.to_string(),
        };
    }
    if connecting {
        return ProbeError::Connect {
            addr: addr.to_string(),
            detail: e.to_string(),
        };
    }
    ProbeError::Protocol {
        context: format!("Redis command on {addr} failed"),
        detail: e.to_string(),
    }
}

impl RedisReply {
    fn from_value(v: Value) -> RedisReply {
        let list = |items: Vec<Value>| items.into_iter().map(RedisReply::from_value).collect();
        match v {
            Value::Nil => RedisReply::Nil,
            Value::Int(i) => RedisReply::Integer(i),
            Value::BulkString(b) => RedisReply::Bulk(b),
            Value::Array(items) => RedisReply::Array(list(items)),
            Value::SimpleString(s) => RedisReply::Status(s),
            Value::Okay => RedisReply::Status("OK".into()),
            Value::Map(pairs) => RedisReply::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| (RedisReply::from_value(k), RedisReply::from_value(v)))
                    .collect(),
            ),
            Value::Attribute { data, .. } => RedisReply::from_value(*data),
            Value::Set(items) => RedisReply::Set(list(items)),
            Value::Double(d) => RedisReply::Double(d),
            Value::Boolean(b) => RedisReply::Boolean(b),
            Value::VerbatimString { text, .. } => RedisReply::Verbatim(text),
            Value::BigNumber(n) => RedisReply::BigNumber(String::from_utf8_lossy(&n).into_owned()),
            Value::Push { data, .. } => RedisReply::Push(list(data)),
            // Error replies were turned into errors before; anything newer is shown as debug text.
            other => RedisReply::Status(format!("{other:?}")),
        }
    }
}

/// `redis-cli`'s quoting of bulk strings (`sdscatrepr`).
fn quote(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('"');
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

fn double_text(d: f64) -> String {
    if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{d}")
    }
}

/// Interactive `redis-cli` rendering (`cliFormatReplyTTY`), without the final newline.
fn render_tty(r: &RedisReply) -> String {
    let mut out = String::new();
    tty(r, "", &mut out);
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

fn tty(r: &RedisReply, prefix: &str, out: &mut String) {
    match r {
        RedisReply::Nil => out.push_str("(nil)\n"),
        RedisReply::Status(s) => {
            out.push_str(s);
            out.push('\n');
        }
        RedisReply::Integer(i) => out.push_str(&format!("(integer) {i}\n")),
        RedisReply::Double(d) => out.push_str(&format!("(double) {}\n", double_text(*d))),
        RedisReply::Boolean(b) => out.push_str(if *b { "(true)\n" } else { "(false)\n" }),
        RedisReply::Bulk(b) => {
            out.push_str(&quote(b));
            out.push('\n');
        }
        RedisReply::Verbatim(s) | RedisReply::BigNumber(s) => {
            out.push_str(s);
            out.push('\n');
        }
        RedisReply::Array(items) | RedisReply::Set(items) | RedisReply::Push(items) => {
            let (sep, empty) = match r {
                RedisReply::Set(_) => ('~', "(empty set)\n"),
                RedisReply::Push(_) => (')', "(empty push)\n"),
                _ => (')', "(empty array)\n"),
            };
            if items.is_empty() {
                out.push_str(empty);
                return;
            }
            let width = items.len().to_string().len();
            let child_prefix = format!("{prefix}{}", " ".repeat(width + 2));
            for (i, item) in items.iter().enumerate() {
                let lead = if i == 0 { "" } else { prefix };
                out.push_str(&format!("{lead}{:>width$}{sep} ", i + 1));
                tty(item, &child_prefix, out);
            }
        }
        RedisReply::Map(pairs) => {
            if pairs.is_empty() {
                out.push_str("(empty hash)\n");
                return;
            }
            let width = pairs.len().to_string().len();
            let child_prefix = format!("{prefix}{}", " ".repeat(width + 2));
            for (i, (k, v)) in pairs.iter().enumerate() {
                let lead = if i == 0 { "" } else { prefix };
                out.push_str(&format!("{lead}{:>width$}# ", i + 1));
                tty(k, &child_prefix, out);
                if out.ends_with('\n') {
                    out.pop();
                }
                out.push_str(" => ");
                tty(v, &child_prefix, out);
            }
        }
    }
}

/// Non-terminal `redis-cli` rendering (`cliFormatReplyRaw`), without the final newline.
fn render_raw(r: &RedisReply) -> String {
    match r {
        RedisReply::Nil => String::new(),
        RedisReply::Status(s) | RedisReply::Verbatim(s) | RedisReply::BigNumber(s) => s.clone(),
        RedisReply::Integer(i) => i.to_string(),
        RedisReply::Double(d) => double_text(*d),
        RedisReply::Boolean(b) => if *b { "(true)" } else { "(false)" }.to_string(),
        RedisReply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        RedisReply::Array(items) | RedisReply::Set(items) | RedisReply::Push(items) => {
            items.iter().map(render_raw).collect::<Vec<_>>().join("\n")
        }
        RedisReply::Map(pairs) => pairs
            .iter()
            .flat_map(|(k, v)| [render_raw(k), render_raw(v)])
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> RedisReply {
        RedisReply::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn renders_like_redis_cli() {
        assert_eq!(render_tty(&RedisReply::Status("PONG".into())), "PONG");
        assert_eq!(render_tty(&RedisReply::Integer(3)), "(integer) 3");
        assert_eq!(render_tty(&RedisReply::Nil), "(nil)");
        assert_eq!(render_tty(&bulk("a\"b\n\u{1}")), r#""a\"b\n\x01""#);
        assert_eq!(render_tty(&RedisReply::Array(vec![])), "(empty array)");
        assert_eq!(
            render_tty(&RedisReply::Array(vec![bulk("a"), bulk("b")])),
            "1) \"a\"\n2) \"b\""
        );
        assert_eq!(
            render_tty(&RedisReply::Array(vec![
                RedisReply::Array(vec![bulk("x"), RedisReply::Integer(1)]),
                bulk("z"),
            ])),
            "1) 1) \"x\"\n   2) (integer) 1\n2) \"z\""
        );
        let ten: Vec<RedisReply> = (0..10).map(RedisReply::Integer).collect();
        let text = render_tty(&RedisReply::Array(ten));
        assert!(
            text.starts_with(" 1) (integer) 0\n 2) (integer) 1\n"),
            "{text}"
        );
        assert!(text.ends_with("\n10) (integer) 9"), "{text}");
        assert_eq!(
            render_tty(&RedisReply::Map(vec![(bulk("k"), RedisReply::Integer(1))])),
            "1# \"k\" => (integer) 1"
        );
    }

    #[test]
    fn raw_rendering() {
        assert_eq!(render_raw(&RedisReply::Integer(3)), "3");
        assert_eq!(render_raw(&bulk("hello")), "hello");
        assert_eq!(render_raw(&RedisReply::Nil), "");
        assert_eq!(
            render_raw(&RedisReply::Array(vec![bulk("a"), bulk("b")])),
            "a\nb"
        );
    }

    #[tokio::test]
    async fn empty_command_is_invalid() {
        let e = redis_command(
            "redis://127.0.0.1:1",
            &[],
            Access::ReadOnly,
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
    }

    #[tokio::test]
    async fn refuses_before_connecting() {
        // Nothing listens on port 1: a refusal proves nothing was sent.
        for c in ["CLIENT KILL ID 1", "FLUSHALL", "CONFIG SET x y", "EVAL x 0"] {
            let args: Vec<String> = c.split(' ').map(str::to_string).collect();
            let e = redis_command(
                "redis://127.0.0.1:1",
                &args,
                Access::ReadOnly,
                Duration::from_secs(1),
            )
            .await
            .unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Refused, "{c}: {e}");
        }
    }
}
