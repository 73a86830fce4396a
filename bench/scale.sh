#!/usr/bin/env bash
# Time and memory against document size (issue 9, item 5): generates large
# checklists, runs the release binary on each under /usr/bin/time -v several
# times, and prints the median wall time, median CPU time (user + sys) and
# the largest maximum RSS per case.
#
# Targets: 1M checkboxes in `inspect` under 1 GB RSS and 5 s; 100k
# references on one line in `plan` under 1 s.
#
#   bash bench/scale.sh                 # build, generate, measure (RUNS=3)
#   RUNS=5 BIN=path/to/greenlight bash bench/scale.sh
#   CASES='cb1m refs100k' bash bench/scale.sh   # only some inputs
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
if [[ -z "${BIN:-}" ]]; then
  cargo build --release -q -p greenlight
  BIN=${CARGO_TARGET_DIR:-target}/release/greenlight
fi
work=${SCALE_DIR:-${TMPDIR:-/tmp}/greenlight-scale}
mkdir -p "$work"

# Inputs: name → generator (python3, written once and kept).
python3 - "$work" <<'PY'
import os, sys
d = sys.argv[1]
def gen(name, write):
    path = os.path.join(d, name + ".md")
    if not os.path.exists(path):
        with open(path + ".tmp", "w") as f:
            write(f)
        os.replace(path + ".tmp", path)

def cb1m(f):                       # 1M checkboxes in one section
    f.write("# Release\n\n## Phase 1\n\n")
    for i in range(1_000_000):
        f.write(f"- [ ] item {i}\n")

def cb1m_nested(f):                # 1M checkboxes, nested 3 deep, 1000 sections
    f.write("# Release\n\n")
    for s in range(1000):
        f.write(f"## Section {s} (5 minutes)\n\n")
        for i in range(1000):
            f.write("  " * (i % 3) + f"- [ ] item {s}.{i}\n")

def refs_line(write_ref):
    def w(f):
        f.write("# Release\n\n## Checks\n\n- [ ] many refs\n\n```bash\n")
        f.write("curl -s https://api.example.com/x?")
        f.write("".join(write_ref(i) for i in range(100_000)))
        f.write("\n# Expected: 200\n```\n")
    return w

def shell_refs(f):                 # 100k ${V} references in one shell line
    f.write("# Release\n\n## Checks\n\n- [ ] x\n\n```bash\nkubectl get pods ")
    f.write(" ".join(f"${{V{i}}}" for i in range(100_000)))
    f.write("\n```\n")

def fences100k(f):                 # 100k code blocks, each annotated
    f.write("# Release\n\n## Checks\n\n")
    for i in range(100_000):
        f.write(f"- [ ] c{i}\n\n```bash\ncurl -s https://api.example.com/x/{i}\n"
                "# Expected: 200\n```\n<!-- greenlight: eventually 5s -->\n\n")

def sections100k(f):               # 100k sections with a shell step each
    f.write("# Release\n\n")
    for i in range(100_000):
        f.write(f"## S{i} (5 minutes)\n\n```bash\nkubectl get pods -n ns{i}\n```\n\n")

def tables20k(f):                  # 20k metric tables after one load step
    f.write("# Release\n\n## Perf\n\n```bash\nab -n 100 -c 10 https://api.example.com/\n```\n\n")
    for i in range(20_000):
        f.write(f"| Metric | Target | Critical |\n|---|---|---|\n"
                f"| Response Time (p95) | < {i}ms | < 500ms |\n\n")

gen("cb1m", cb1m)
gen("cb1m_nested", cb1m_nested)
gen("refs100k_same", refs_line(lambda i: f"a{i}=$V&"))
gen("refs100k_distinct", refs_line(lambda i: f"a{i}=$V{i}&"))
gen("refs100k_shell", shell_refs)
gen("fences100k", fences100k)
gen("sections100k", sections100k)
gen("tables20k", tables20k)
PY

# case name | command (FILE stands for the input)
cases=(
  "cb1m|inspect FILE"
  "cb1m|inspect --json FILE"
  "cb1m|plan FILE"
  "cb1m|plan --json FILE"
  "cb1m_nested|inspect --json FILE"
  "cb1m_nested|plan FILE"
  "refs100k_same|plan FILE"
  "refs100k_distinct|plan FILE"
  "refs100k_distinct|plan --json FILE"
  "refs100k_distinct|run --no-store FILE"
  "refs100k_shell|plan FILE"
  "fences100k|inspect FILE"
  "fences100k|plan FILE"
  "sections100k|plan FILE"
  "tables20k|plan FILE"
)

printf '%-20s %-22s %10s %10s %10s\n' input command "wall(s)" "cpu(s)" "maxRSS(MB)"
for c in "${cases[@]}"; do
  input=${c%%|*}
  cmd=${c#*|}
  if [[ -n "${CASES:-}" && " $CASES " != *" $input "* ]]; then continue; fi
  file="$work/$input.md"
  walls=() cpus=() rss=0
  for ((r = 0; r < runs; r++)); do
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$work/time.txt" "$BIN" ${cmd/FILE/$file} >/dev/null 2>&1 || true
    out=$(cat "$work/time.txt")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' <<<"$out")
    cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' <<<"$out")
    kb=$(awk -F': ' '/Maximum resident/ {print $2}' <<<"$out")
    walls+=("$wall") cpus+=("$cpu")
    ((kb > rss)) && rss=$kb
  done
  med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  printf '%-20s %-22s %10.2f %10.2f %10.0f\n' "$input" "$cmd" "$(med "${walls[@]}")" "$(med "${cpus[@]}")" "$((rss / 1024))"
done
