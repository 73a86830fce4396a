#!/usr/bin/env bash
# Process wall time of `greenlight inspect` on each seed (target: < 10 ms),
# and parse throughput on a generated 5 MB checklist (target: >= 100 MB/s).
# Prints medians; run from the repository root:  bash bench/inspect.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p greenlight
cargo bench -q -p greenlight-doc --bench parse 2>/dev/null | grep '^parse:'
bin=target/release/greenlight
runs=${RUNS:-31}
for seed in fixtures/seeds/*; do
  python3 - "$bin" "$seed" "$runs" <<'PY'
import subprocess, sys, time, statistics
binary, seed, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run([binary, "inspect", seed], stdout=subprocess.DEVNULL, check=True)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"inspect {seed.split('/')[-1]}: median {statistics.median(times):.2f} ms "
      f"(min {times[0]:.2f}, max {times[-1]:.2f}, {runs} runs) · target < 10 ms")
PY
done
