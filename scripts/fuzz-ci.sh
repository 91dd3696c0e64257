#!/usr/bin/env bash
# A bounded fuzzing run for CI: every fuzz target for a share of
# FUZZ_CI_SECONDS (default 120) in total, one process at a time. Fails if
# any target finds a crash. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
total=${FUZZ_CI_SECONDS:-120}
targets=$(ls fuzz/fuzz_targets | sed 's/\.rs$//')
n=$(echo "$targets" | wc -w)
each=$(( total / n ))
[ "$each" -lt 5 ] && each=5
failed=0
# The oracles themselves, on every committed seed (CPython-written seeds
# must re-encode byte-identically; the scan oracle must flag what it should).
if ! cargo test --quiet --manifest-path fuzz/Cargo.toml --lib -- --nocapture; then
  echo "fuzz: the seed checks failed"
  failed=$((failed + 1))
fi
for t in $targets; do
  echo "fuzz $t: ${each}s"
  if ! bash scripts/fuzz.sh "$t" "$each"; then
    failed=$((failed + 1))
  fi
done
passed=$((n - failed))
echo "fuzz: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
