#!/usr/bin/env bash
# Run every test of the workspace: formatting, lints, unit, integration and
# differential tests against the machine's CPython (python3).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python3 >/dev/null 2>&1; then
  echo "error: python3 is required for the differential tests" >&2
  [ -n "${CI:-}" ] && exit 1
fi
# Python packages the tests need (numpy, joblib, safetensors; pinned).
if [ -f scripts/requirements-test.txt ] && [ -s scripts/requirements-test.txt ]; then
  python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
mkdir -p target
set +e
cargo test --workspace --no-fail-fast -- --nocapture > target/test-output.txt 2>&1
status=$?
set -e
grep -E "^(test result|conformance|cpython suite|same-protocol|cross-protocol|dis|repr|json|cli|codecs)|SKIP|!!!" target/test-output.txt || true
if [ "$status" -ne 0 ]; then
  echo "---- failures (see target/test-output.txt) ----"
  grep -E "panicked|FAILED|^error|failures:" -A12 target/test-output.txt | head -120
  exit "$status"
fi
passed=$(grep -E "^test result:" target/test-output.txt | awk '{s+=$4} END {print s+0}')
failed=$(grep -E "^test result:" target/test-output.txt | awk '{s+=$6} END {print s+0}')
echo "all tests: ${passed} passed, ${failed} failed"
