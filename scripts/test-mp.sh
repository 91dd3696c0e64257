#!/usr/bin/env bash
# brinery-mp: Rust peer for multiprocessing.connection, tested against every
# CPython 3.9-3.13 from pyenv (override: BRINERY_MP_PYTHONS=py1,py2,...).
# Missing interpreters are a loud SKIP, a failure when CI is set.
# Stdlib only: no requirements file. 60-100 s on 2 busy cores.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test -p brinery-mp -- --nocapture >"$log" 2>&1 || status=$?
# Per-test lines, per-Python-version run counts, cargo's summaries.
grep -E '^test |runs, all passed|^test result|SKIPPED|panicked|FAILED|^error' "$log" || true
if [ "$status" -ne 0 ]; then
  tail -n 60 "$log"
  echo "brinery-mp: FAILED (cargo test exit $status)"
fi
exit "$status"
