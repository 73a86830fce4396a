#!/usr/bin/env bash
# The release room's performance (issue 12, item 7), each figure beside a
# peer measured in the same run:
#   1. GET of a release's state (`/api/v1/releases/REL`) with wrk, against
#      the same JSON served as a static file by nginx (one worker).
#   2. 1,000 concurrent SSE watchers of one release: the time from just
#      before an event is appended to the store until each stream delivered
#      it (commit + NOTIFY + the server's read + fan-out), p50/p99/max, and
#      the server's RSS (/proc/PID/status) — with the examples/sse_fanout.rs
#      client of crates/greenlight-server.
#   3. The release's JSON weight (the HTML page's comes with the web UI).
# Targets: >= 20k req/s; p99 fan-out < 50 ms; RSS < 64 MB.
#
# Usage (from anywhere; needs nginx, wrk, curl, psql and PostgreSQL on
# 127.0.0.1:5432 with trust auth for user postgres):
#   bash bench/serve.sh
# Environment (all optional):
#   PORT=18790 NGINX_PORT=18791   loopback ports
#   DURATION=10s CONNECTIONS=64   wrk's run (2 threads)
#   WATCHERS=1000 EVENTS=40 GAP_MS=100   the fan-out run
#   SERVER_CPU=1 CLIENT_CPU=0     taskset pinning (server and nginx on one
#                                 CPU, the load generators on the other);
#                                 empty = not pinned
#   GREENLIGHT=PATH FANOUT=PATH   prebuilt binaries (skip cargo build --release)
#
# The store is a PostgreSQL schema of its own (dropped at the end): the
# live feed then uses LISTEN/NOTIFY, as a team's server would.
#
# Figures (2026-12-01; 2 vCPUs shared with other helpers' builds and tests,
# load average 5-6.6; release build; server and nginx pinned to CPU 1, wrk
# and the fan-out client to CPU 0; PostgreSQL on 127.0.0.1). The machine's
# load made every figure vary from sitting to sitting by up to 2x: these are
# the last two sittings of the final build (viewer token, auth on), back to
# back, and one earlier sitting before auth was wired in.
#   GET /api/v1/releases/bench (2,702 bytes of JSON), wrk -t2 -c64 -d10s,
#   greenlight serve | nginx static file of the same JSON, same run:
#     22,672 req/s (p99 25 ms) | 17,282 req/s (p99 22 ms)
#     20,038 req/s (p99 30 ms) | 15,994 req/s (p99 21 ms)
#     before auth: 20,023 req/s | 21,065 req/s
#   1,000 SSE watchers, 40 events 100 ms apart (40,000 deliveries, all
#   arrived), time from before the append to each delivery:
#     p50 13.0 ms, p90 26.5 ms, p99 42.6 ms, max 52.1 ms; RSS 17.2 MiB idle,
#       37.2 MiB with 1,000 watchers (peak 37.2 MiB)
#     p50 18.3 ms, p90 34.2 ms, p99 56.8 ms, max 64.0 ms; RSS 34.3 MiB
#     before auth: p99 31.8 ms; RSS 28.0 MiB
#   Quieter machine, after the merge (main, 2026-12-01 09:53, load average
#   2.6 -> 2.0, nothing else building), same command:
#     GET: greenlight serve 75,589 req/s (p99 3.5 ms) | nginx 54,671 req/s
#       (p99 2.5 ms); server RSS after the GET run 14.7 MiB
#     1,000 watchers (connected in 223 ms), 40,000 of 40,000 deliveries:
#       p50 7.0 ms, p90 11.4 ms, p99 17.3 ms, p99.9 22.4 ms, max 23.2 ms;
#       RSS 14.7 MiB before, 37.1 MiB with 1,000 idle watchers, 37.3 MiB after
#   So: >= 20k req/s met in each sitting (above nginx's figure on the same
#   CPU); RSS < 64 MB met; p99 fan-out < 50 ms met in two of three sittings,
#   not in the third (56.8 ms) on this loaded machine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${PORT:-18790}
NGINX_PORT=${NGINX_PORT:-18791}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WATCHERS=${WATCHERS:-1000}
EVENTS=${EVENTS:-40}
GAP_MS=${GAP_MS:-100}
SERVER_CPU=${SERVER_CPU-1}
CLIENT_CPU=${CLIENT_CPU-0}
NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
for tool in wrk curl psql; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install $tool)" >&2; exit 2; }
done
[ -n "$NGINX" ] || { echo "nginx not found (apt-get install nginx)" >&2; exit 2; }
unset GREENLIGHT_STORE GREENLIGHT_AUDIT_KEY

target=${CARGO_TARGET_DIR:-$repo/target}
if [ -z "${GREENLIGHT:-}" ]; then
  (cd "$repo" && cargo build --release -q -p greenlight --bin greenlight)
  GREENLIGHT=$target/release/greenlight
fi
if [ -z "${FANOUT:-}" ]; then
  (cd "$repo" && cargo build --release -q -p greenlight-server --example sse_fanout)
  FANOUT=$target/release/examples/sse_fanout
fi
pin() { local cpu=$1; shift; if [ -n "$cpu" ] && command -v taskset >/dev/null; then taskset -c "$cpu" "$@"; else "$@"; fi; }
# Starts a program in the background (pinned); $! is then its own PID.
spawn() { local cpu=$1; shift; if [ -n "$cpu" ] && command -v taskset >/dev/null; then taskset -c "$cpu" "$@" & else "$@" & fi; }

tmp=$(mktemp -d)
chmod 755 "$tmp"   # nginx's worker (nobody) reads the static files
schema=gl_bench_serve_$$
STORE="postgres://postgres@127.0.0.1:5432/postgres?schema=$schema"
server_pid=""; nginx_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# nginx: the static peer (and the checklist's target).
mkdir -p "$tmp/nginx" "$tmp/www"
echo '{"status":"healthy"}' > "$tmp/www/health"
cat > "$tmp/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    client_body_temp_path $tmp/nginx/cb;
    proxy_temp_path $tmp/nginx/p;
    fastcgi_temp_path $tmp/nginx/f;
    uwsgi_temp_path $tmp/nginx/u;
    scgi_temp_path $tmp/nginx/s;
    server {
        listen 127.0.0.1:$NGINX_PORT backlog=4096;
        root $tmp/www;
        default_type application/json;
    }
}
NGINX
spawn "$SERVER_CPU" "$NGINX" -p "$tmp/nginx/" -c "$tmp/nginx.conf"
nginx_pid=$!

# A release with one run: a machine check (passes), a manual item, a sign-off.
cat > "$tmp/RELEASE.md" <<DOC
# Release

## Checks *(5 min)*

- [ ] **Health**
  \`\`\`bash
  curl -f http://127.0.0.1:$NGINX_PORT/health
  \`\`\`
- [ ] Release notes reviewed

## Sign-off

**Release Manager:** ______ **Date:** ____
DOC
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NGINX_PORT/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$NGINX_PORT/health" >/dev/null || { echo "nginx does not serve $tmp/www" >&2; cat "$tmp/nginx/error.log" >&2; exit 1; }
set +e
GREENLIGHT_USER=bench "$GREENLIGHT" run "$tmp/RELEASE.md" --release bench --store "$STORE" >/dev/null 2>"$tmp/run.err"
code=$?
set -e
[ "$code" = 3 ] || { echo "the run should be PENDING (exit 3), got $code:" >&2; cat "$tmp/run.err" >&2; exit 1; }
run=$(sed -n 's/^recorded run \([^ ]*\) .*/\1/p' "$tmp/run.err")
# `status` exits with the verdict's code (3: PENDING); its JSON is what counts.
status_json=$("$GREENLIGHT" status "$run" --store "$STORE" --json || true)
item=$(echo "$status_json" | python3 -c 'import json,sys; print([i["id"] for i in json.load(sys.stdin)["items"] if i["text"]=="Release notes reviewed"][0])')

# Reading needs an identity: a viewer's API token (confirmed identities are
# reused for reads for 2 s, so this measures the cached path of auth).
token=$(GREENLIGHT_STORE="$STORE" "$GREENLIGHT" users token bench-viewer --role viewer 2>/dev/null)
auth="Authorization: Bearer $token"
spawn "$SERVER_CPU" "$GREENLIGHT" serve --store "$STORE" --listen "127.0.0.1:$PORT" 2>"$tmp/serve.err"
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/api/v1/health"; echo
url=http://127.0.0.1:$PORT/api/v1/releases/bench
curl -sf -H "$auth" "$url" > "$tmp/www/release.json"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "release state JSON: $(wc -c < "$tmp/www/release.json") bytes"

rps() { grep 'Requests/sec' | awk '{print $2}'; }
echo "== GET of a release's state, wrk -t2 -c$CONNECTIONS -d$DURATION (same JSON; server and nginx on CPU ${SERVER_CPU:-any}) =="
pin "$CLIENT_CPU" wrk -t2 -c"$CONNECTIONS" -d2s -H "$auth" "$url" >/dev/null   # warm-up
serve_out=$(pin "$CLIENT_CPU" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "$auth" "$url")
nginx_out=$(pin "$CLIENT_CPU" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "$auth" "http://127.0.0.1:$NGINX_PORT/release.json")
echo "greenlight serve: $(echo "$serve_out" | rps) req/s  (p99 $(echo "$serve_out" | awk '$1=="99%"{print $2}'))"
echo "nginx static:     $(echo "$nginx_out" | rps) req/s  (p99 $(echo "$nginx_out" | awk '$1=="99%"{print $2}'))"
if echo "$serve_out" | grep -q 'Non-2xx'; then echo "$serve_out" >&2; echo "greenlight serve answered errors" >&2; exit 1; fi
echo "$serve_out" | grep -E 'Socket errors' || true
echo "server RSS after the GET run: $(awk '/VmRSS/{print $2/1024 " MiB"}' /proc/$server_pid/status)"

echo "== $WATCHERS SSE watchers of the release, $EVENTS events appended ${GAP_MS} ms apart =="
pin "$CLIENT_CPU" "$FANOUT" --addr "127.0.0.1:$PORT" --store "$STORE" --release bench --run "$run" \
  --item "$item" --pid "$server_pid" --token "$token" --watchers "$WATCHERS" --events "$EVENTS" --gap-ms "$GAP_MS"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
