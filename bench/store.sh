#!/usr/bin/env bash
# Recording speed and `greenlight status` on a 10,000-event run.
#   - records 100,000 step-result events on SQLite and PostgreSQL
#     (targets: >= 20,000/s and >= 5,000/s), medians of 3;
#   - times the whole `greenlight status` process on a run of 10,001 events
#     (target: < 50 ms), median of 21 runs.
# Run from the repository root:  bash bench/store.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export GREENLIGHT_BENCH_STORE=/tmp/greenlight-bench-status.db
cargo build --release -q -p greenlight
cargo bench -q -p greenlight-store --bench record 2>/dev/null | grep -E '^(record|run of|PostgreSQL)'
python3 - "$GREENLIGHT_BENCH_STORE" <<'PY'
import subprocess, sys, time, statistics
store = sys.argv[1]
for args, label in ((["status"], "status"), (["status", "--json"], "status --json")):
    times = []
    for _ in range(21):
        t = time.perf_counter()
        subprocess.run(["target/release/greenlight", *args, "--store", store], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"greenlight {label} on 10,001 events: median {statistics.median(times):.1f} ms "
          f"(min {times[0]:.1f}, max {times[-1]:.1f}) · target < 50 ms")
PY
