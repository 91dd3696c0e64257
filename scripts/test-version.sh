#!/usr/bin/env bash
# Run the differential tests against another CPython from pyenv:
#
#     scripts/test-version.sh 3.13        (or 3.12, 3.11, ... or 3.13.0)
#
# Installs the pinned test packages into that Python (the same requirement
# files scripts/test.sh installs), then runs every test binary that uses
# Python with BRINERY_PYTHON pointed at it. brinery reproduces CPython 3.11;
# on another version a test names each check that version cannot make in a
# `not checkable on 3.X: <check> (<reason>): N [test]` line (listed at the
# end) and still compares everything else. Under CI (env CI non-empty) a
# SKIP or WARNING line fails the run, as in scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 1 ]; then
  echo "usage: $0 VERSION   (e.g. 3.13)" >&2
  exit 2
fi
v="$1"
root="${PYENV_ROOT:-$HOME/.pyenv}"
PY=$(ls -d "$root"/versions/"$v"*/bin/python3 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PY" ]; then
  echo "error: no CPython $v under pyenv" >&2
  exit 1
fi
export BRINERY_PYTHON="$PY"
echo "tests use Python: $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"
for req in scripts/requirements-test.txt scripts/requirements-pandas.txt scripts/requirements-shelve.txt; do
  "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r "$req"
done

# The test binaries that run Python (each reads BRINERY_PYTHON).
runs=(
  "-p brinery --lib --test conformance --test cpython_suite --test dis --test fidelity
   --test repr_json --test serde --test stdlib"
  "-p brinery --test hostile every_truncation_of_every_fixture_is_a_clean_eof"
  "-p brinery-numpy --test hook --test live --test npy_raw"
  "-p brinery-shelve --test fixtures --test python"
  "-p brinery-torch --test export"
  "-p brine-cli --test cli --test first_hour --test joblib --test pandas --test show_files
   --test shelve --test torch"
)
mkdir -p target
out="target/test-version-$v.txt"
: > "$out"
status=0
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
for r in "${runs[@]}"; do
  # shellcheck disable=SC2086  # word splitting of the cargo arguments is wanted
  cargo test $r --all-features --no-fail-fast -- --nocapture >> "$out" 2>&1 || status=1
done

grep -E "^tests use Python" "$out" | sort -u
echo "---- checks this Python cannot make ----"
# (the codecs test, in crates/brinery/src/codecs.rs, says it in its own words)
grep -E "^not checkable on|not the reference 3.11" "$out" || echo "(none)"
if [ "$status" -ne 0 ]; then
  echo "---- failures (see $out) ----"
  grep -E "panicked|FAILED|^error" -A8 "$out" | head -80
fi
if [ -n "${CI:-}" ] && grep -qE "SKIP|WARNING" "$out"; then
  echo "---- CI: a check was skipped or only partly run (SKIP/WARNING); failing ----"
  grep -nE "SKIP|WARNING" "$out" | head -40
  status=1
fi
passed=$(grep -E "^test result:" "$out" | awk '{s+=$4} END {print s+0}')
failed=$(grep -E "^test result:" "$out" | awk '{s+=$6} END {print s+0}')
echo "CPython $v: ${passed} passed, ${failed} failed"
exit "$status"
