#!/usr/bin/env bash
# Run every test of the workspace: formatting, lints, generated-table
# checks, unit, integration and differential tests against CPython.
#
# One Python for every test: env BRINERY_PYTHON (default python3). The
# pinned test packages are installed into it. Under CI (env CI set to any
# non-empty value) a skipped or partly-run check fails the run: the tests
# panic themselves, and this script also fails on any SKIP or WARNING line
# in the test output.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${BRINERY_PYTHON:-python3}"
export BRINERY_PYTHON="$PY"
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "error: $PY is required for the differential tests (set BRINERY_PYTHON)" >&2
  [ -n "${CI:-}" ] && exit 1
else
  echo "tests use Python: $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"
  # Python packages the tests need (pinned).
  for req in scripts/requirements-test.txt scripts/requirements-pandas.txt scripts/requirements-shelve.txt; do
    if [ -s "$req" ]; then
      "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r "$req"
    fi
  done
fi

cargo fmt --all -- --check
# Generated tables are what their generators write today.
"$PY" scripts/gen_compat.py --check
py_versions=""
for v in 2.7 3.6 3.7 3.8 3.9 3.10 3.11 3.12 3.13; do
  p=$(ls -d /root/.pyenv/versions/$v.*/bin/python 2>/dev/null | head -1)
  if [ -z "$p" ]; then
    echo "SKIP: brinery-code tables check: no CPython $v under pyenv"
    [ -n "${CI:-}" ] && exit 1
  else
    py_versions="$py_versions $p"
  fi
done
[ -n "$py_versions" ] && "$PY" crates/brinery-code/gen_tables.py --check $py_versions
cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
mkdir -p target
set +e
cargo test --workspace --all-features --no-fail-fast -- --nocapture > target/test-output.txt 2>&1
status=$?
set -e
grep -E "^(test result|conformance|cpython suite|same-protocol|cross-protocol|dis|repr|json|cli|codecs|numpy|pickles written|joblib|fuzz|tests use Python)|SKIP|WARNING|!!!" target/test-output.txt || true
if [ "$status" -ne 0 ]; then
  echo "---- failures (see target/test-output.txt) ----"
  grep -E "panicked|FAILED|^error|failures:" -A12 target/test-output.txt | head -120
  exit "$status"
fi
if [ -n "${CI:-}" ] && grep -qE "SKIP|WARNING" target/test-output.txt; then
  echo "---- CI: a check was skipped or only partly run (SKIP/WARNING above); failing ----"
  grep -nE "SKIP|WARNING" target/test-output.txt | head -40
  exit 1
fi
passed=$(grep -E "^test result:" target/test-output.txt | awk '{s+=$4} END {print s+0}')
failed=$(grep -E "^test result:" target/test-output.txt | awk '{s+=$6} END {print s+0}')
echo "all tests: ${passed} passed, ${failed} failed"
