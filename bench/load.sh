#!/usr/bin/env bash
# Load-generator benchmark on loopback: wrk vs `greenlight load` (and oha when it is
# installed) against a one-worker nginx serving a small JSON /health on 127.0.0.1:18080.
#
#   bench/load.sh [OUTDIR]
#     env: REPS (3), DUR seconds per run (10), CONCS ("1 10 64"), GENS ("wrk greenlight oha")
#
# nginx runs under `taskset -c 1`, every generator under `taskset -c 0` (one core each) and
# inside `/usr/bin/time -v` for peak RSS. Order is rep -> generator -> concurrency so drift
# spreads over all tools; wrk is the control. Every run is bounded (timeout DUR+30 s) and
# only 127.0.0.1 is ever contacted. Prints medians per (generator, concurrency): requests/s,
# ratio vs wrk, p50, p99, peak RSS.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT=${1:-/tmp/greenlight-bench-load}
REPS=${REPS:-3}
DUR=${DUR:-10}
CONCS=${CONCS:-"1 10 64"}
GENS=${GENS:-"wrk greenlight oha"}
URL=http://127.0.0.1:18080/health

need() { command -v "$1" >/dev/null 2>&1; }
if ! need nginx || ! need wrk || [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) == 0 ]]; then
    apt-get install -y -qq nginx wrk time >/dev/null
  else
    echo "need nginx, wrk and GNU time (apt-get install nginx wrk time)" >&2; exit 2
  fi
fi
GENS_OK=""
for g in $GENS; do
  if [[ $g == oha ]] && ! need oha; then echo "oha not installed: skipped" >&2; continue; fi
  GENS_OK="$GENS_OK $g"
done

(cd "$ROOT" && cargo build --release -q -p greenlight)
GL="$ROOT/target/release/greenlight"

rm -rf "$OUT"; mkdir -p "$OUT/nginx"
cat > "$OUT/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    client_body_temp_path $OUT/nginx/client_body;
    proxy_temp_path       $OUT/nginx/proxy;
    fastcgi_temp_path     $OUT/nginx/fastcgi;
    uwsgi_temp_path       $OUT/nginx/uwsgi;
    scgi_temp_path        $OUT/nginx/scgi;
    server {
        listen 127.0.0.1:18080 backlog=4096;
        server_name _;
        location = /health { default_type application/json; return 200 '{"status":"healthy"}'; }
        location / { return 404; }
    }
}
CONF
taskset -c 1 nginx -p "$OUT/nginx/" -c "$OUT/nginx/nginx.conf" >"$OUT/nginx/console.log" 2>&1 &
NGINX_PID=$!
trap 'kill -QUIT $NGINX_PID 2>/dev/null || true; wait $NGINX_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/18080) 2>/dev/null && break
  sleep 0.1
done
kill -0 $NGINX_PID || { echo "nginx did not start" >&2; cat "$OUT/nginx/console.log" >&2; exit 1; }

echo "machine: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg); nginx pid $NGINX_PID on cpu 1; generators on cpu 0; ${DUR}s x $REPS reps"
for rep in $(seq 1 "$REPS"); do
  for g in $GENS_OK; do
    for c in $CONCS; do
      stem="$OUT/$g-c$c-r$rep"
      case $g in
        wrk)        cmd=(wrk -t1 -c"$c" -d"${DUR}s" --latency "$URL") ;;
        greenlight) cmd=("$GL" load "$URL" --vus "$c" --duration "${DUR}s" --json "$stem.json") ;;
        oha)        cmd=(oha -z "${DUR}s" -c "$c" --no-tui --output-format json "$URL") ;;
      esac
      set +e
      timeout -k 5 $((DUR + 30)) taskset -c 0 /usr/bin/time -v -o "$stem.time" "${cmd[@]}" >"$stem.out" 2>"$stem.err"
      rc=$?
      set -e
      echo "$(date +%T) rep=$rep $g c=$c rc=$rc"
      sleep 2
    done
  done
done

python3 - "$OUT" "$GENS_OK" "$CONCS" <<'PY'
import json, re, statistics, sys, glob, os
out, gens, concs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def unit(v, u):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[u]
def parse(g, path):
    text = open(path).read()
    if g == "wrk":
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
        p = dict((k, unit(v, u)) for k, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", text, re.M))
        return rps, p["50"], p["99"]
    if g == "greenlight":
        j = json.load(open(path[:-4] + ".json"))
        return j["rps"], j["latency_ms"]["p50"], j["latency_ms"]["p99"]
    j = json.loads(text)
    s = j["summary"]; lp = j["latencyPercentiles"]
    return s["requestsPerSec"], lp["p50"] * 1e3, lp["p99"] * 1e3
def rss(path):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read())
    return int(m.group(1)) / 1024 if m else float("nan")
rows = {}
for g in gens:
    for c in concs:
        runs = []
        for f in sorted(glob.glob(f"{out}/{g}-c{c}-r*.out")):
            try:
                runs.append(parse(g, f) + (rss(f[:-4] + ".time"),))
            except Exception as e:
                print(f"unparsable {f}: {e}", file=sys.stderr)
        if runs:
            rows[(g, c)] = [statistics.median(x) for x in zip(*runs)] + [[r[0] for r in runs]]
print()
print("| generator | conc | req/s median (runs) | vs wrk | p50 ms | p99 ms | peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for g in gens:
    for c in concs:
        if (g, c) not in rows: continue
        rps, p50, p99, mb, all_rps = rows[(g, c)]
        base = rows.get(("wrk", c))
        ratio = f"{rps / base[0]:.2f}x" if base else "-"
        runs = ", ".join(f"{r/1000:.1f}k" for r in all_rps)
        print(f"| {g} | {c} | {rps:,.0f} ({runs}) | {ratio} | {p50:.3f} | {p99:.3f} | {mb:.1f} |")
PY
