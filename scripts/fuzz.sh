#!/usr/bin/env bash
# Coverage-guided fuzzing of brinery with libFuzzer on the stable toolchain.
#
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags...]
#   scripts/fuzz.sh list
#
# TARGET is one of fuzz/fuzz_targets/*.rs (decode, roundtrip, dis, ...).
# The committed seeds (fuzz/seeds) are read, new inputs go to the working
# corpus fuzz/corpus/TARGET (not committed), crashes to
# fuzz/artifacts/TARGET/. Exits non-zero if libFuzzer found a crash, a
# timeout or an out-of-memory input. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "list" ]; then
  ls fuzz/fuzz_targets | sed 's/\.rs$//'
  exit 0
fi
if [ $# -lt 2 ]; then
  echo "usage: $0 TARGET SECONDS [libFuzzer flags...] | $0 list" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2
if [ ! -f "fuzz/fuzz_targets/$target.rs" ]; then
  echo "unknown fuzz target '$target'; targets: $(ls fuzz/fuzz_targets | sed 's/\.rs$//' | tr '\n' ' ')" >&2
  exit 2
fi

triple=$(rustc -vV | sed -n 's/^host: //p')
# What cargo-fuzz passes with `--sanitizer none` (which is what works on a
# stable toolchain): SanitizerCoverage with inline 8-bit counters, PC table
# and comparison tracing, plus debug assertions and overflow checks.
export RUSTFLAGS="${RUSTFLAGS:-} -Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares \
 -Cllvm-args=-sanitizer-coverage-stack-depth \
 --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps these flags away from build scripts and proc macros. (No
# --locked: fuzz/Cargo.lock follows the library's dependencies as they change.)
cargo build --manifest-path fuzz/Cargo.toml --release --target "$triple" --bin "$target" >&2

bin="fuzz/target/$triple/release/$target"
corpus="fuzz/corpus/$target"
artifacts="fuzz/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
log="fuzz/artifacts/$target.log"
set +e
"$bin" "$corpus" fuzz/seeds \
  -max_total_time="$seconds" \
  -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
  -timeout="${FUZZ_TIMEOUT:-10}" \
  -max_len="${FUZZ_MAX_LEN:-65536}" \
  -artifact_prefix="$artifacts/" \
  -print_final_stats=1 \
  "$@" > "$log" 2>&1
status=$?
set -e
# The last status line (execs, coverage, features, corpus) and the totals.
grep -E "^#[0-9]+" "$log" | tail -1 || true
grep -E "stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added" "$log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz target $target FAILED (exit $status); log: $log; inputs:" >&2
  ls -1 "$artifacts" >&2 || true
  grep -E "panicked|ERROR|SUMMARY" -A5 "$log" | head -40 >&2 || true
fi
exit "$status"
