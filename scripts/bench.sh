#!/usr/bin/env bash
# Issue 6 benchmarks in one command: generate the workloads (if missing),
# build `compare` in release, run it (brinery vs CPython vs serde-pickle)
# and rewrite the results section of BENCHMARKS.md, with the machine.
#
#   scripts/bench.sh [compare options...]     e.g. --runs 5, --only records,ints
#
# Environment: BRINERY_PYTHON (default python3), BENCH_DATA (default
# target/bench-data), BENCH_NICE (niceness of the generator and of the run,
# default 0; use 10 on a shared machine and expect noisier numbers),
# BENCH_MD (file to rewrite, default BENCHMARKS.md), BENCH_COMPARE (use this
# prebuilt compare binary instead of building), BENCH_REV (the brinery
# revision to record, default from git).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${BRINERY_PYTHON:-python3}
DATA=${BENCH_DATA:-target/bench-data}
NICE=${BENCH_NICE:-0}
MD=${BENCH_MD:-BENCHMARKS.md}
TARGET=${CARGO_TARGET_DIR:-target}

command -v "$PY" >/dev/null || { echo "bench.sh: $PY not found (needed for the workloads and the CPython columns)" >&2; exit 2; }

echo "== workloads ($DATA)" >&2
nice -n "$NICE" "$PY" scripts/bench_data.py "$DATA"

if [ -n "${BENCH_COMPARE:-}" ]; then
    COMPARE=$BENCH_COMPARE   # a prebuilt compare binary
else
    echo "== build" >&2
    cargo build --release -p brinery-bench --bin compare
    COMPARE=$TARGET/release/compare
fi

tables=$(mktemp)
trap 'rm -f "$tables"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
started=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "== compare" >&2
status=0
nice -n "$NICE" "$COMPARE" --data "$DATA" --python "$PY" --markdown "$tables" "$@" || status=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
if [ ! -s "$tables" ]; then
    echo "bench.sh: compare wrote no tables (exit $status); $MD unchanged" >&2
    exit "${status:-1}"
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || true)
rev=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
if [ -n "$(git status --porcelain -- crates 2>/dev/null)" ]; then rev="$rev + uncommitted changes"; fi
rev=${BENCH_REV:-$rev}

results=$(mktemp)
trap 'rm -f "$tables" "$results"' EXIT
{
    echo "Measured $started on: ${cpu:-unknown CPU}, $(nproc) cores, ${mem:-? RAM};"
    echo "$(rustc --version); $("$PY" --version 2>&1) (\`pickle\` = the C \`_pickle\`); serde-pickle $(grep -A1 '^name = "serde-pickle"' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p');"
    echo "brinery at $rev. Load average before/after the run: $load_before / $load_after (niceness $NICE)."
    echo
    envs=""
    [ "$NICE" != 0 ] && envs="BENCH_NICE=$NICE "
    echo "Command: \`${envs}scripts/bench.sh${*:+ $*}\`"
    echo
    cat "$tables"
} > "$results"

"$PY" - "$MD" "$results" <<'PY'
import sys
md_path, results_path = sys.argv[1], sys.argv[2]
begin, end = "<!-- bench-results:begin -->", "<!-- bench-results:end -->"
results = open(results_path, encoding="utf-8").read().strip("\n")
try:
    text = open(md_path, encoding="utf-8").read()
except FileNotFoundError:
    text = f"# Benchmarks\n\n## Results\n\n{begin}\n{end}\n"
if begin not in text or end not in text:
    text = text.rstrip("\n") + f"\n\n## Results\n\n{begin}\n{end}\n"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(md_path, "w", encoding="utf-8").write(f"{head}{begin}\n{results}\n{end}{tail}")
print(f"bench.sh: rewrote the results in {md_path}", file=sys.stderr)
PY
exit "$status"
