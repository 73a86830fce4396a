#!/usr/bin/env bash
# The cost of a watch window: a compressed 48-hour window at 1-minute ticks
# (2,880 ticks) against a steady loopback service.
#
# Usage:
#   bash bench/watch.sh
# Environment (all optional):
#   GREENLIGHT=PATH   the greenlight binary (default: $CARGO_TARGET_DIR or
#                     target, debug build; built with `cargo build -p greenlight`
#                     when missing)
#   SECONDS_REAL=60   how long the window lasts in real time
#   HOURS=48          the window's length (192: four times the ticks, to see
#                     whether RSS levels off)
#   PG=1              record to PostgreSQL on 127.0.0.1:5432 (a schema of
#                     its own, dropped afterwards) instead of a SQLite file:
#                     no SQLite page cache in the process, so RSS shows what
#                     the watch itself holds
#   KEEP=1            keep the temporary directory and print its path
#
# What it prints: the RSS of the watch process (VmRSS from /proc/PID/status)
# at its start, every 5 seconds and at its end; the store's size and event
# count before the window (after one `greenlight run` of the document) and
# after it, with the events by kind. The service is python3's http.server
# serving a `health` file on 127.0.0.1; nothing leaves loopback.
#
# Figures (2026-12-01, debug build, 2 shared cores, 48h at 1m = 2,880 ticks in ~60 s):
#   SQLite store: RSS 25,696 kB at start, 25,840 kB at 30 s, 25,996 kB at 55 s
#     (+300 kB: SQLite's page cache over the growing file, capped by its
#     cache_size); store 4 KiB db / 3 events before, 356 KiB db (+4 MiB WAL
#     until checkpoint) / 588 events after: 576 watch_window, 4 checkpoints.
#   PG=1: RSS 25,040 kB at start, 25,048 kB from 10 s to the end (flat);
#     events table + index 32 KiB / 3 events before, 416 KiB / 588 after.
#   HOURS=192 (11,520 ticks, SQLite): RSS 25,772 → 27,100 kB, 2,315 events.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
real=${SECONDS_REAL:-60}
hours=${HOURS:-48}
if [ -z "${GREENLIGHT:-}" ]; then
  target=${CARGO_TARGET_DIR:-$repo/target}
  GREENLIGHT=$target/debug/greenlight
  [ -x "$GREENLIGHT" ] || (cd "$repo" && cargo build -q -p greenlight)
fi
tmp=$(mktemp -d)
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${PG:-}" ] && psql -h 127.0.0.1 -U postgres -d postgres -qc "drop schema if exists ${schema:-none} cascade" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept: $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

mkdir -p "$tmp/www"
echo '{"status":"ok"}' >"$tmp/www/health"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/server.out" | head -n1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "${port:-}" ] || { cat "$tmp/server.out" >&2; exit 1; }
base="http://127.0.0.1:$port"

cat >"$tmp/RELEASE.md" <<EOF
# Release 2.4

## Smoke

- [ ] Health answers

  \`\`\`bash
  curl -fsS $base/health
  \`\`\`

## Key Metrics to Watch

| Metric | Target | Rollback Threshold |
|---|---|---|
| Error rate | < 1% | > 5% |
| Response time (p95) | < 2000ms | > 5000ms |

## Post-Deployment Monitoring (48 hours)

- [ ] Hour 1: health checked

  \`\`\`bash
  curl -fsS $base/health
  \`\`\`

- [ ] Hour 6: traffic normal
- [ ] Hour 24: overnight stable
- [ ] Hour 48: final validation
EOF
echo 'name = "bench"' >"$tmp/bench.toml"
store=$tmp/runs.db
schema=gl_bench_watch_$$
if [ -n "${PG:-}" ]; then
  store="postgres://postgres@127.0.0.1:5432/postgres?schema=$schema"
fi

store_figures() {
  if [ -n "${PG:-}" ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -At -F ' ' -c \
      "select 'events', count(*), 'table+index KiB', pg_total_relation_size('$schema.events')/1024 from $schema.events" | sed 's/^/  store: /'
    psql -h 127.0.0.1 -U postgres -d postgres -At -c \
      "select string_agg(kind || ' ' || n, ', ') from (select kind, count(*) n from $schema.events group by kind order by kind) k" | sed 's/^/  by kind: /'
    return
  fi
  python3 - "$store" <<'PY'
import os, sqlite3, sys
db = sys.argv[1]
size = lambda p: os.path.getsize(p) if os.path.exists(p) else 0
c = sqlite3.connect(db)
n = c.execute("select count(*) from events").fetchone()[0]
payload = c.execute("select coalesce(sum(length(payload)), 0) from events").fetchone()[0]
kinds = c.execute("select kind, count(*) from events group by kind order by kind").fetchall()
print(f"  store: db {size(db)/1024:.0f} KiB, wal {size(db + '-wal')/1024:.0f} KiB; {n} events, payloads {payload/1024:.0f} KiB")
print("  by kind: " + ", ".join(f"{k} {v}" for k, v in kinds))
PY
}

"$GREENLIGHT" run "$tmp/RELEASE.md" --env "$tmp/bench.toml" --store "$store" --release 2.4 -q >/dev/null || true
echo "before the window (after one run of the document):"
store_figures

scale=$(( hours * 3600 / real ))
echo "watch: ${hours}h window, 1m ticks ($(( hours * 60 ))), --time-scale $scale (about ${real}s real)"
"$GREENLIGHT" watch "$tmp/RELEASE.md" --env "$tmp/bench.toml" --store "$store" --release 2.4 \
  --for "${hours}h" --every 1m --time-scale "$scale" -q >"$tmp/watch.out" 2>"$tmp/watch.err" &
pid=$!
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true; }
sleep 0.5
echo "  RSS at start: $(rss) kB"
t=0
while kill -0 "$pid" 2>/dev/null; do
  sleep 5
  t=$((t + 5))
  r=$(rss)
  [ -n "$r" ] && echo "  RSS at ${t}s: $r kB"
done
wait "$pid" && code=0 || code=$?
echo "  exit $code; requests served: $(grep -c 'GET /health' "$tmp/server.out" || true)"
head -n 3 "$tmp/watch.out" | sed 's/^/  /'
echo "after the window:"
store_figures
