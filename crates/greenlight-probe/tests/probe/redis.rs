use greenlight_probe::{Access, ErrorKind, RedisReply, RedisReport, redis_command};
use std::time::{Duration, Instant};

use crate::support::service_available;

const URL: &str = "redis://127.0.0.1:6379";
const T: Duration = Duration::from_secs(3);

async fn up() -> bool {
    service_available("Redis", "127.0.0.1:6379").await
}

/// Sends a command with every class allowed (the rendering tests set and delete keys).
async fn rw(url: &str, args: &[String], t: Duration) -> greenlight_probe::Result<RedisReport> {
    redis_command(url, args, Access::ReadWrite, t).await
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn ping_pong() {
    if !up().await {
        return;
    }
    let r = rw(URL, &args(&["PING"]), T).await.unwrap();
    assert_eq!(r.reply_text, "PONG");
    assert_eq!(r.raw_text, "PONG");
    assert_eq!(r.reply, RedisReply::Status("PONG".into()));
    // A bare host:port works too.
    let r = rw("127.0.0.1:6379", &args(&["ping"]), T).await.unwrap();
    assert_eq!(r.reply_text, "PONG");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["reply"],
        serde_json::json!({"type": "status", "value": "PONG"})
    );
}

#[tokio::test]
async fn replies_render_like_redis_cli() {
    if !up().await {
        return;
    }
    let key = format!("greenlight-probe-test:{}", std::process::id());
    let list = format!("{key}:list");
    let r = rw(URL, &args(&["SET", &key, "v\"1", "EX", "30"]), T)
        .await
        .unwrap();
    assert_eq!(r.reply_text, "OK");
    let r = rw(URL, &args(&["GET", &key]), T).await.unwrap();
    assert_eq!(r.reply_text, r#""v\"1""#);
    assert_eq!(r.raw_text, "v\"1");
    let r = rw(URL, &args(&["EXISTS", &key]), T).await.unwrap();
    assert_eq!(r.reply_text, "(integer) 1");
    let r = rw(URL, &args(&["DEL", &key]), T).await.unwrap();
    assert_eq!(r.reply_text, "(integer) 1");
    let r = rw(URL, &args(&["GET", &key]), T).await.unwrap();
    assert_eq!(r.reply_text, "(nil)");

    rw(URL, &args(&["DEL", &list]), T).await.unwrap();
    rw(URL, &args(&["RPUSH", &list, "a", "b"]), T)
        .await
        .unwrap();
    rw(URL, &args(&["EXPIRE", &list, "30"]), T).await.unwrap();
    let r = rw(URL, &args(&["LRANGE", &list, "0", "-1"]), T)
        .await
        .unwrap();
    assert_eq!(r.reply_text, "1) \"a\"\n2) \"b\"");
    assert_eq!(r.raw_text, "a\nb");
    rw(URL, &args(&["DEL", &list]), T).await.unwrap();
}

#[tokio::test]
async fn error_reply_is_a_server_error() {
    if !up().await {
        return;
    }
    let err = rw(URL, &args(&["NOSUCHCOMMAND", "x"]), T)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(
        err.to_string()
            .starts_with("Redis error: ERR unknown command"),
        "{err}"
    );
}

#[tokio::test]
async fn unreachable_server_is_named_and_fast() {
    let started = Instant::now();
    let err = rw("redis://127.0.0.1:1", &args(&["PING"]), T)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.kind(), ErrorKind::ConnectRefused, "{err}");
    assert_eq!(err.to_string(), "connect to 127.0.0.1:1 refused");
}

#[tokio::test]
async fn silent_server_times_out() {
    let silent = crate::support::silent_server().await;
    let started = Instant::now();
    let err = rw(
        &format!("redis://{}", silent.addr),
        &args(&["PING"]),
        Duration::from_millis(300),
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}
