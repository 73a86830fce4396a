#!/usr/bin/env bash
# greenlight vs. the same checks as a sequential bash + curl script.
#
# Usage (from anywhere; about a minute after the build):
#   bash bench/checks.sh
# Environment (all optional):
#   RUNS=15           timed runs per command (split into ROUNDS rounds)
#   ROUNDS=5          rounds; the command order is reversed every other round
#   SEEDS="000 003"   seed prefixes under fixtures/seeds/
#   GREENLIGHT=PATH   use this greenlight binary (skips `cargo build -p greenlight`)
#   SERVE=PATH        use this fixture server (skips building the `serve` example)
#   BENCH_LIMIT=240   hard limit in seconds: the fixture exits after it, every
#                     timing step is killed after it
#   KEEP=1            keep the temporary directory (profile, plans, reports,
#                     generated scripts) and print its path
#
# What it measures. One fixture (crates/greenlight-fixture, `serve` example)
# listens on 127.0.0.1; a profile maps every seed host to it, and postgres /
# redis to 127.0.0.1:5432 / 127.0.0.1:6379 (whatever answers there: a refused
# connection is a fast failure, not a wait). Nothing leaves loopback.
# For each seed:
#   1. `greenlight run SEED --env PROFILE --json` once, and `greenlight plan
#      SEED --env PROFILE --json`; the checks greenlight actually ran (report
#      steps whose status is not not_run / blocked) are joined by line to the
#      plan's `checks[].target` (method, URL, headers, body) and `expect`.
#   2. From them, two sequential bash scripts are generated, one command per
#      check, each result compared the way a person would (`[ "$code" = 200 ]`):
#        bash+curl (http)  only the `http` checks: one
#                          `curl -sS -o /dev/null -w '%{http_code}'` each (same
#                          method, URL, headers, body) checked against the
#                          expected status. Body expectations (JSON subsets)
#                          are NOT checked: this baseline does less than
#                          greenlight, which also runs the seed's postgres,
#                          redis, tcp and websocket checks.
#        bash (same checks) every check greenlight ran: curl for http, psql
#                          for postgres, redis-cli for redis, bash /dev/tcp for
#                          tcp, and a WebSocket upgrade written and read over
#                          bash /dev/tcp for websocket (curl 7.88 has no ws://
#                          and would wait on a 101). Only if psql / redis-cli
#                          are installed.
#      Both are run once first and their pass/fail compared with greenlight's.
#   3. Timing, in one sitting: hyperfine (or a python3 loop without it), RUNS
#      runs of each command per seed, the order of commands reversed every
#      other round: (a) `greenlight run SEED --env PROFILE` (process wall
#      time: start-up, parse, run, report, and the run store if this build
#      records runs; the store is written into the temporary directory),
#      (b) the generated scripts. Medians, min–max, ratio = script / greenlight.
#      If this build records runs, `greenlight run … --no-store` is timed too,
#      to show the store's share (the ratios use the default command).
#   4. greenlight's own in-run time: `duration_ms` of the JSON report over
#      RUNS more runs (from the start of execution until every result has been
#      printed and, by default, appended to the run store; so: without
#      process start-up, parsing, planning and the report files), shown
#      separately from the process wall time, against the 100 ms target
#      (also with `--no-store` when this build has it).
#      Deliberate waits (eventually/retry annotations) among the checks that
#      ran are counted and listed; they are excluded from that target.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
RUNS=${RUNS:-15}
ROUNDS=${ROUNDS:-5}
SEEDS=${SEEDS:-"000 003"}
BENCH_LIMIT=${BENCH_LIMIT:-240}
unset GREENLIGHT_STORE

# --- build -----------------------------------------------------------------
if [ -z "${GREENLIGHT:-}" ]; then
  echo "building greenlight (release)…" >&2
  cargo build --release -q -p greenlight
  GREENLIGHT=$repo/target/release/greenlight
fi
if [ -z "${SERVE:-}" ]; then
  echo "building the fixture's serve example (release)…" >&2
  cargo build --release -q -p greenlight-fixture --example serve
  SERVE=$repo/target/release/examples/serve
fi
GREENLIGHT=$(realpath "$GREENLIGHT")
SERVE=$(realpath "$SERVE")

# --- fixture, temporary directory, cleanup ---------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/greenlight-bench.XXXXXX")
fixture_pid=
cleanup() {
  if [ -n "$fixture_pid" ] && kill -0 "$fixture_pid" 2>/dev/null; then
    kill "$fixture_pid" 2>/dev/null || true
    wait "$fixture_pid" 2>/dev/null || true
  fi
  if [ -n "${KEEP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The fixture stops by itself after BENCH_LIMIT seconds (hard timeout).
"$SERVE" 0 --seconds "$BENCH_LIMIT" >"$tmp/serve.out" 2>"$tmp/serve.err" &
fixture_pid=$!
base=
for _ in $(seq 100); do
  base=$(head -n1 "$tmp/serve.out" 2>/dev/null || true)
  [ -n "$base" ] && break
  kill -0 "$fixture_pid" 2>/dev/null || { cat "$tmp/serve.err" >&2; exit 1; }
  sleep 0.05
done
case $base in
  http://127.0.0.1:*) ;;
  *) echo "fixture did not start (got '$base')" >&2; exit 1 ;;
esac
addr=${base#http://}

# --- profile (as crates/greenlight/tests/e2e/run.rs builds it) --------------
# STAND_IN_HOSTS of crates/greenlight-fixture/src/config.rs, each to the fixture.
stand_in_hosts=(
  staging-api.yourdomain.com api.yourdomain.com localhost:8080
  staging.toolboxai.com app.toolboxai.com localhost:9090 localhost:3000
  staging-api.nova-social.io staging-metrics.nova-social.io
  staging-grafana.nova-social.io '<clickhouse-host>:8123' '<nginx-host>:1935'
)
# Tokens::default().seed_variables()
seed_vars=(
  TOKEN=user-token ACCESS_TOKEN=user-token USER_TOKEN=user-token
  JWT_TOKEN=user-token ADMIN_TOKEN=admin-token REVOKED_TOKEN=revoked-token
  REFRESH_TOKEN=refresh-token
)
profile=$tmp/profile.toml
{
  echo 'name = "bench"'
  echo '[hosts]'
  for h in "${stand_in_hosts[@]}"; do echo "\"$h\" = \"$base\""; done
  echo "\"staging-rtmp.nova-social.io\" = \"$addr\""
  echo '[vars]'
  for kv in "${seed_vars[@]}"; do echo "${kv%%=*} = \"${kv#*=}\""; done
  echo '[services]'
  echo 'postgres = "postgres://postgres@127.0.0.1:5432/postgres"'
  echo 'redis = "redis://127.0.0.1:6379"'
  echo "api = \"$base\""
  echo '[allow]'
  echo 'classes = ["read"]'
  echo 'shell = false'
} >"$profile"

# Copies of the seeds: a run store that defaults to a folder next to the
# checklist (.greenlight/runs.db) then lands in the temporary directory too.
mkdir "$tmp/seeds"
seed_files=()
for s in $SEEDS; do
  f=$(ls "$repo"/fixtures/seeds/"$s"_*.txt 2>/dev/null | head -n1 || true)
  [ -n "$f" ] || { echo "no seed $s in fixtures/seeds" >&2; exit 2; }
  cp "$f" "$tmp/seeds/"
  seed_files+=("$tmp/seeds/$(basename "$f")")
done

echo "== environment"
echo "greenlight: $("$GREENLIGHT" --version) ($GREENLIGHT)"
echo "fixture:    $base (pid $fixture_pid, exits after ${BENCH_LIMIT}s)"
echo "machine:    $(uname -srm), $(nproc) CPU(s)"
echo "timing:     $(command -v hyperfine >/dev/null && hyperfine --version || echo 'python3 loop (no hyperfine)')"
echo "psql:       $(command -v psql >/dev/null && psql --version || echo 'not installed')"
echo "redis-cli:  $(command -v redis-cli >/dev/null && redis-cli --version || echo 'not installed')"
echo "curl --version:"
curl --version | sed 's/^/  /'

# Runs happen in the temporary directory, so a run store (.greenlight/) lands there.
cd "$tmp"
export GL="$GREENLIGHT" TMPD="$tmp" PROFILE="$profile" RUNS ROUNDS BENCH_LIMIT
export SEED_FILES="${seed_files[*]}" SEED_VARS="${seed_vars[*]}"
export HYPERFINE=$(command -v hyperfine || true)
export PSQL=$(command -v psql || true) REDIS_CLI=$(command -v redis-cli || true)
export NO_COLOR=1
# Does this build record runs? Then also time `--no-store`, to show the store's share.
export NO_STORE=$("$GREENLIGHT" run --help 2>/dev/null | grep -q -- '--no-store' && echo 1 || true)

python3 - <<'PY'
import json, os, re, shlex, statistics, subprocess, sys, time, urllib.parse

GL, TMP, PROFILE = os.environ["GL"], os.environ["TMPD"], os.environ["PROFILE"]
RUNS, ROUNDS = int(os.environ["RUNS"]), max(1, int(os.environ["ROUNDS"]))
LIMIT = int(os.environ["BENCH_LIMIT"])
DEADLINE = time.monotonic() + LIMIT - 5
SEEDS = os.environ["SEED_FILES"].split()
VARS = [kv.split("=", 1) for kv in os.environ["SEED_VARS"].split()]
HYPERFINE, PSQL, REDIS = os.environ["HYPERFINE"], os.environ["PSQL"], os.environ["REDIS_CLI"]
NO_STORE = bool(os.environ.get("NO_STORE"))
NOT_RAN = {"not_run", "blocked", "skipped", "pending", "cancelled"}


def remaining():
    left = DEADLINE - time.monotonic()
    if left <= 1:
        sys.exit(f"hard limit of {LIMIT}s reached")
    return left


def gl(*args, check_codes=(0, 1, 3)):
    p = subprocess.run([GL, *args], capture_output=True, text=True, timeout=min(60, remaining()))
    if p.returncode not in check_codes:
        sys.exit(f"greenlight {' '.join(args)} exited {p.returncode}:\n{p.stderr}")
    return p


def dq(s):
    """Double-quoted for bash, keeping $NAME expansion (as the seeds write it)."""
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$(", "\\$(")
    return f'"{s}"'


def sq(s):
    return shlex.quote(s)


def status_test(expect, fail_flag):
    """(shell test on $code, human text) from the check's expectations."""
    for e in expect:
        if e.get("kind") == "status" and "code" in e:
            return f'[ "$code" = {int(e["code"])} ]', str(e["code"])
    if any(e.get("kind") == "status_ok" for e in expect):
        return '[ "$code" -ge 200 ] && [ "$code" -lt 300 ]', "2xx"
    if fail_flag:
        return '[ "$code" -ge 200 ] && [ "$code" -lt 400 ]', "<400"
    return '[ "$code" != 000 ]', "any"


def curl_lines(c):
    t = c["target"]
    args = ["curl -sS -o /dev/null -w '%{http_code}' --max-time 5"]
    method = (t.get("method") or "GET").upper()
    if method == "HEAD":
        args.append("-I")
    elif method != "GET" or t.get("body") is not None:
        args.append(f"-X {method}")
    if t.get("fail"):
        args.append("-f")
    if t.get("follow"):
        args.append("-L")
    if t.get("insecure"):
        args.append("-k")
    if t.get("basic_auth"):
        ba = t["basic_auth"]
        ba = ba if isinstance(ba, str) else ":".join(str(x) for x in (ba if isinstance(ba, list) else ba.values()))
        args.append(f"-u {dq(ba)}")
    for name, value in t.get("headers") or []:
        args.append(f"-H {dq(f'{name}: {value}')}")
    body = t.get("body")
    if body is not None:
        body = body if isinstance(body, str) else json.dumps(body)
        args.append(f"--data-raw {dq(body)}")
    args.append(dq(t["url"]))
    test, want = status_test(c.get("expect") or [], t.get("fail"))
    return [f"code=$({' '.join(args)})",
            f'if {test}; then ok L{c["line"]} "$code"; else bad L{c["line"]} "$code (want {want})"; fi']


def out_test(expect):
    for e in expect:
        k = e.get("kind")
        if k == "contains" and "text" in e:
            return f"case $out in *{dq(e['text'])}*) true ;; *) false ;; esac"
        if k == "equals" and "text" in e:
            return f'[ "$out" = {dq(e["text"])} ]'
    return None


def other_lines(c):
    t, line, expect = c["target"], c["line"], c.get("expect") or []
    p = t["probe"]
    if p == "postgres":
        run = f"{sq(PSQL)} {sq(t['url'])} -XAtq -c {sq(t['sql'])} 2>&1"
    elif p == "redis":
        run = f"{sq(REDIS)} -u {sq(t['url'])} {' '.join(sq(a) for a in t.get('args') or [])} 2>&1"
    elif p == "tcp":
        return [f"if ( exec 3<>/dev/tcp/{t['host']}/{int(t['port'])} ) 2>/dev/null; "
                f"then ok L{line} connected; else bad L{line} refused; fi"]
    elif p == "websocket":
        u = urllib.parse.urlsplit(t["url"])
        if u.scheme != "ws":
            return None
        host, port = u.hostname, u.port or 80
        path = (u.path or "/") + (f"?{u.query}" if u.query else "")
        req = (f"GET {path} HTTP/1.1\\r\\nHost: {u.netloc}\\r\\nConnection: Upgrade\\r\\n"
               "Upgrade: websocket\\r\\nSec-WebSocket-Version: 13\\r\\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n")
        hdrs = "".join(f"{n}: {v}\\r\\n" for n, v in t.get("headers") or [])
        test, want = status_test(expect, False)
        return [f"code=$( exec 3<>/dev/tcp/{host}/{port} && printf '%b' {dq(req + hdrs + chr(92) + 'r' + chr(92) + 'n')} >&3 "
                f"&& read -r -t 2 _ c _ <&3 && echo \"$c\" ) 2>/dev/null || code=000",
                f'if {test}; then ok L{line} "$code"; else bad L{line} "$code (want {want})"; fi']
    else:
        return None
    test = out_test(expect)
    if test:
        return [f"out=$({run})", f'if {test}; then ok L{line} "$out"; else bad L{line} "$out"; fi']
    return [f"if out=$({run}); then ok L{line} ran; else bad L{line} \"$out\"; fi"]


def script(name, seed, checks, gen):
    lines = ["#!/usr/bin/env bash",
             f"# Generated by bench/checks.sh from `greenlight plan` and `greenlight run --json` of",
             f"# {os.path.basename(seed)}: {len(checks)} check(s), sequential, one command each.",
             *[f"{k}={sq(v)}" for k, v in VARS],
             "pass=0 fail=0",
             'ok()  { pass=$((pass+1)); echo "PASS $1 $2"; }',
             'bad() { fail=$((fail+1)); echo "FAIL $1 $2"; }']
    for c in checks:
        lines.append(f"# L{c['line']} {c['target']['probe']}: {c.get('command', '').splitlines()[0][:100] if c.get('command') else ''}")
        lines += gen(c)
    lines += ['echo "$pass passed, $fail failed"', '[ "$fail" = 0 ]', ""]
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


def steps_of(report):
    for item in report.get("items", []):
        for s in item.get("steps", []):
            yield s


def run_script(path):
    p = subprocess.run(["bash", path], capture_output=True, text=True, timeout=min(60, remaining()))
    res = {}
    for l in p.stdout.splitlines():
        m = re.match(r"(PASS|FAIL) L(\d+) (.*)", l)
        if m:
            res[int(m.group(2))] = (m.group(1), m.group(3))
    return res


# --- 1. first run + plan, join, generate ------------------------------------
seeds = []
print("\n== checks greenlight ran (first run of each seed; count per probe from the JSON report)")
for seed in SEEDS:
    sid = os.path.basename(seed)[:3]
    rpath = os.path.join(TMP, f"first-{sid}.json")
    gl("run", seed, "--env", PROFILE, "--json", rpath)
    report = json.load(open(rpath))
    plan = json.loads(gl("plan", seed, "--env", PROFILE, "--json", check_codes=(0,)).stdout)
    by_line = {}
    for c in plan["checks"]:
        by_line.setdefault((c["line"], c["target"]["probe"]), []).append(c)
    ran, per_probe, waits = [], {}, []
    for s in steps_of(report):
        st = per_probe.setdefault(s["probe"], {})
        st[s["status"]] = st.get(s["status"], 0) + 1
        if s["status"] in NOT_RAN:
            continue
        cands = by_line.get((s["line"], s["probe"])) or []
        if not cands:
            print(f"  ! L{s['line']} {s['probe']}: ran but not in the plan; left out of the scripts")
            continue
        c = cands.pop(0)
        c["_gl_status"], c["_summary"] = s["status"], s.get("evidence", {}).get("summary", "")
        ran.append(c)
        if c.get("eventually") or (c.get("target") or {}).get("retry"):
            waits.append(c)
    http = [c for c in ran if c["target"]["probe"] == "http"]
    gen_ok = [c for c in ran if c["target"]["probe"] == "http" or other_lines(c) is not None]
    can_all = bool(PSQL) or not any(c["target"]["probe"] == "postgres" for c in ran)
    can_all = can_all and (bool(REDIS) or not any(c["target"]["probe"] == "redis" for c in ran))
    http_sh = script(f"http-{sid}.sh", seed, http, curl_lines)
    all_sh = script(f"all-{sid}.sh", seed, gen_ok,
                    lambda c: curl_lines(c) if c["target"]["probe"] == "http" else other_lines(c)) if can_all else None
    print(f"seed {sid} ({os.path.basename(seed)}): verdict {report.get('verdict')}, "
          f"in-run {report.get('duration_ms')} ms, {len(ran)} checks ran, {len(http)} of them http")
    for probe in sorted(per_probe):
        st = per_probe[probe]
        ran_n = sum(v for k, v in st.items() if k not in NOT_RAN)
        detail = ", ".join(f"{v} {k}" for k, v in sorted(st.items()))
        print(f"  {probe:<10} ran {ran_n:>2}  ({detail})")
    if len(gen_ok) != len(ran):
        print(f"  ! {len(ran) - len(gen_ok)} ran check(s) have no bash equivalent here and are left out of 'same checks'")
    print(f"  deliberate waits (eventually/retry) among ran checks: {len(waits) or 'none'}"
          + "".join(f"\n    L{c['line']} {c['target']['probe']}: {c.get('eventually')}" for c in waits))
    first = {(st["line"], st["probe"]): st["status"] for st in steps_of(report)}
    seeds.append(dict(sid=sid, seed=seed, ran=ran, http=http, http_sh=http_sh, all_sh=all_sh,
                      n_all=len(gen_ok), first=first))

# --- 2. the scripts agree with greenlight? ----------------------------------
print("\n== one run of each generated script, compared with greenlight's statuses")
for s in seeds:
    for label, path, checks in (("bash+curl (http)", s["http_sh"], s["http"]),
                                ("bash (same checks)", s["all_sh"], s["ran"])):
        if not path:
            print(f"seed {s['sid']} {label}: skipped (psql / redis-cli not installed)")
            continue
        got = run_script(path)
        diffs, npass = [], 0
        for c in checks:
            if c["line"] not in got:
                continue
            verdict, detail = got[c["line"]]
            npass += verdict == "PASS"
            gl_pass = c["_gl_status"] != "failed"
            if (verdict == "PASS") != gl_pass:
                diffs.append(f"L{c['line']}: greenlight {c['_gl_status']}, script {verdict} {detail}")
        print(f"seed {s['sid']} {label}: {npass}/{len(got)} passed; "
              + ("same pass/fail as greenlight" if not diffs else f"{len(diffs)} disagreement(s)"))
        for d in diffs:
            print(f"    {d}")
    for c in s["ran"]:
        if c["_gl_status"] != "passed":
            print(f"    greenlight {c['_gl_status']}: L{c['line']} {c['target']['probe']}: {c['_summary']}")

# --- 3. timing ---------------------------------------------------------------
cmds = []  # (key, label, argv)
for s in seeds:
    cmds.append((f"gl-{s['sid']}", s, "greenlight", [GL, "run", s["seed"], "--env", PROFILE]))
    if NO_STORE:
        cmds.append((f"glns-{s['sid']}", s, "greenlight --no-store",
                     [GL, "run", s["seed"], "--env", PROFILE, "--no-store"]))
    cmds.append((f"http-{s['sid']}", s, "bash+curl (http)", ["bash", s["http_sh"]]))
    if s["all_sh"]:
        cmds.append((f"all-{s['sid']}", s, "bash (same checks)", ["bash", s["all_sh"]]))
times = {k: [] for k, *_ in cmds}
per_round = -(-RUNS // ROUNDS)
how = f"hyperfine -N -i --warmup 1 --runs {per_round}, {ROUNDS} rounds" if HYPERFINE else f"python3 perf_counter loop, {ROUNDS} rounds"
print(f"\n== timing: {per_round * ROUNDS} runs per command ({how}; command order reversed every other round)")
for r in range(ROUNDS):
    order = cmds if r % 2 == 0 else cmds[::-1]
    if HYPERFINE:
        out = os.path.join(TMP, f"hyperfine-{r}.json")
        argv = [HYPERFINE, "-N", "-i", "--style", "none", "--warmup", "1", "--runs", str(per_round),
                "--export-json", out, *[" ".join(shlex.quote(a) for a in c[3]) for c in order]]
        subprocess.run(argv, check=True, timeout=remaining(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for c, res in zip(order, json.load(open(out))["results"]):
            times[c[0]] += [t * 1000 for t in res["times"]]
    else:
        for c in order:
            subprocess.run(c[3], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=remaining())
            for _ in range(per_round):
                t0 = time.perf_counter()
                subprocess.run(c[3], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=remaining())
                times[c[0]].append((time.perf_counter() - t0) * 1000)

# --- 4. greenlight's in-run time -----------------------------------------------
inrun = {s["sid"]: [] for s in seeds}
inrun_ns = {s["sid"]: [] for s in seeds}
slow = {s["sid"]: {} for s in seeds}
changed = {}
for i in range(RUNS):
    for s in (seeds if i % 2 == 0 else seeds[::-1]):
        path = os.path.join(TMP, f"inrun-{s['sid']}.json")
        gl("run", s["seed"], "--env", PROFILE, "--json", path)
        rep = json.load(open(path))
        inrun[s["sid"]].append(rep["duration_ms"])
        if NO_STORE:
            gl("run", s["seed"], "--env", PROFILE, "--json", path + ".ns", "--no-store")
            inrun_ns[s["sid"]].append(json.load(open(path + ".ns"))["duration_ms"])
        for st in steps_of(rep):
            was = s["first"].get((st["line"], st["probe"]))
            if st["status"] != was:
                changed.setdefault(s["sid"], set()).add(f"L{st['line']} {st['probe']} {was}→{st['status']}")
            if st["status"] not in NOT_RAN:
                slow[s["sid"]].setdefault((st["line"], st["probe"]), []).append(st.get("duration_ms", 0))


def fmt(v):
    v = sorted(v)
    return f"{statistics.median(v):7.1f}", f"{v[0]:.1f}–{v[-1]:.1f}"


print("\n== results (wall time of the whole process, ms; median and min–max over "
      f"{per_round * ROUNDS} runs)")
print("Comparison A, 'bash+curl (http)': greenlight's full run (all its checks) vs. a script of only")
print("  the HTTP checks (status code only) — the script does less work than greenlight.")
print("Comparison B, 'bash (same checks)': the same checks greenlight ran, one CLI call each")
print("  (curl / psql / redis-cli / bash /dev/tcp for tcp and the WebSocket handshake).")
hdr = f"{'seed':<5} {'checks':<18} {'greenlight':>8} {'(min–max)':<12} {'script':<19} {'median':>8} {'(min–max)':<14} {'ratio':>6}"
print(hdr)
print("-" * len(hdr))
ratios = []
for s in seeds:
    g_med, g_rng = fmt(times[f"gl-{s['sid']}"])
    for key, label, n in ((f"http-{s['sid']}", "bash+curl (http)", len(s["http"])),
                          (f"all-{s['sid']}", "bash (same checks)", s["n_all"])):
        if key not in times:
            continue
        b_med, b_rng = fmt(times[key])
        ratio = float(b_med) / float(g_med)
        ratios.append((s["sid"], label, ratio))
        checks = f"{n} {'http' if 'http' in label else 'all'} / {len(s['ran'])} ran"
        print(f"{s['sid']:<5} {checks:<18} {g_med:>8} {g_rng:<12} {label:<19} {b_med:>8} {b_rng:<14} {ratio:5.1f}×")
print("\n== greenlight's own in-run time (JSON duration_ms) vs. process wall time; target: whole run < 100 ms")
for s in seeds:
    v = sorted(inrun[s["sid"]])
    g = sorted(times[f"gl-{s['sid']}"])
    med_wall = statistics.median(g)
    top = sorted(slow[s["sid"]].items(), key=lambda kv: -statistics.median(kv[1]))[:3]
    tops = ", ".join(f"L{l} {p} {statistics.median(d):.0f} ms (max {max(d)})" for (l, p), d in top)
    print(f"seed {s['sid']}: in-run median {statistics.median(v):.0f} ms (min {v[0]}, max {v[-1]}, {len(v)} runs); "
          f"process wall median {med_wall:.1f} ms, max {g[-1]:.1f} ms → "
          f"{'under' if g[-1] < 100 else ('median under, max over' if med_wall < 100 else 'OVER')} 100 ms")
    if f"glns-{s['sid']}" in times:
        m, r = fmt(times[f"glns-{s['sid']}"])
        w = sorted(inrun_ns[s["sid"]])
        print(f"          with --no-store: in-run median {statistics.median(w):.0f} ms (min {w[0]}, max {w[-1]}); "
              f"process wall median {m.strip()} ms ({r}) — the run store's share of the wall median "
              f"is {med_wall - float(m):.1f} ms")
    print(f"          slowest steps (median over runs): {tops}")
    print(f"          step statuses vs. the first run: "
          + (", ".join(sorted(changed[s["sid"]])) if s["sid"] in changed else f"identical in all {len(v)} runs"))
print("\n== target: greenlight ≥ 10× faster than the sequential script")
for sid, label, ratio in ratios:
    print(f"seed {sid} vs {label:<19}: {ratio:5.1f}×  {'meets' if ratio >= 10 else 'MISSES'} 10×")
PY
