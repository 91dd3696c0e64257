#!/usr/bin/env bash
# Build the brinery Python package (one abi3 wheel, with `pip wheel ./python`,
# the same path as `pip install ./python`), check the PyO3 crate (fmt,
# clippy), then on every CPython 3.9-3.13 found in pyenv: install the wheel
# into a venv and run the package's pytest suite and CPython's own pickle
# suite (test.pickletester) in allow= mode and in the default safe mode.
#
#   scripts/test-py.sh            # all versions found
#   PY_VERSIONS="3.11" scripts/test-py.sh
#
# A missing Python version is a loud SKIP, and a failure when $CI is set.
# Venvs live in target/py-venvs (reused between runs). Prints a summary and
# a final "N passed, N failed" line.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"
VERSIONS="${PY_VERSIONS:-3.9 3.10 3.11 3.12 3.13}"
VENVS="$ROOT/target/py-venvs"
WHEELS="$ROOT/target/py-wheels"
REQ="$ROOT/scripts/requirements-py.txt"
mkdir -p "$VENVS" "$WHEELS"

find_python() {
    local v="$1" p
    for p in "$PYENV_ROOT"/versions/"$v".*/bin/python3; do
        if [ -x "$p" ]; then echo "$p"; return 0; fi
    done
    if command -v "python$v" >/dev/null 2>&1; then command -v "python$v"; return 0; fi
    return 1
}

venv_for() {
    local v="$1" py="$2" dir="$VENVS/$1"
    if [ ! -x "$dir/bin/python" ]; then
        "$py" -m venv "$dir"
    fi
    "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" >&2
    echo "$dir"
}

PASSED=0
FAILED=0
SUMMARY=()
step() { # name, command...
    local name="$1"; shift
    local start=$SECONDS
    if "$@"; then
        PASSED=$((PASSED + 1)); SUMMARY+=("ok    $name ($((SECONDS - start))s)")
    else
        FAILED=$((FAILED + 1)); SUMMARY+=("FAIL  $name ($((SECONDS - start))s)")
    fi
}

# ---- build -------------------------------------------------------------
BUILD_PY=""
for v in 3.11 $VERSIONS; do
    if BUILD_PY="$(find_python "$v")"; then break; fi
done
if [ -z "$BUILD_PY" ]; then
    echo "no Python 3.9+ found" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
BUILD_VENV="$(venv_for build "$BUILD_PY")"
export PYO3_PYTHON="$BUILD_VENV/bin/python"

step "cargo fmt --check (brinery-py)" cargo fmt --manifest-path crates/brinery-py/Cargo.toml -- --check
step "cargo clippy -D warnings (brinery-py)" \
    cargo clippy -q --manifest-path crates/brinery-py/Cargo.toml --release --all-targets -- -D warnings

rm -f "$WHEELS"/brinery-*.whl
build_wheel() {
    PATH="$BUILD_VENV/bin:$PATH" "$BUILD_VENV/bin/python" -m pip wheel -q --no-deps \
        --no-build-isolation -w "$WHEELS" ./python
}
step "pip wheel ./python (abi3)" build_wheel
WHEEL="$(ls "$WHEELS"/brinery-*abi3*.whl 2>/dev/null | head -1 || true)"
if [ -z "$WHEEL" ]; then
    printf '%s\n' "${SUMMARY[@]}"
    echo "$PASSED passed, $((FAILED + 1)) failed"
    exit 1
fi
echo "wheel: $WHEEL"

# ---- per Python version ------------------------------------------------
RUNDIR="$(mktemp -d)"
trap 'rm -rf "$RUNDIR"' EXIT
for v in $VERSIONS; do
    if ! py="$(find_python "$v")"; then
        echo "!!!!!!!! SKIP: CPython $v not found (pyenv install $v) !!!!!!!!" >&2
        if [ -n "${CI:-}" ]; then
            FAILED=$((FAILED + 1)); SUMMARY+=("FAIL  CPython $v missing")
        else
            SUMMARY+=("SKIP  CPython $v missing")
        fi
        continue
    fi
    venv="$(venv_for "$v" "$py")"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$WHEEL"
    # Run from an empty directory so `import brinery` is the installed wheel.
    step "pytest python/tests ($v)" \
        bash -c "cd '$RUNDIR' && '$venv/bin/python' -m pytest -q -p no:cacheprovider '$ROOT/python/tests/test_brinery.py'"
    for mode in allow safe; do
        step "CPython pickletester, $mode mode ($v)" \
            bash -c "cd '$RUNDIR' && BRINERY_SUITE_MODE=$mode '$venv/bin/python' '$ROOT/python/tests/run_cpython_suite.py' --json '$ROOT/target/py-suite-$v-$mode.json' | tail -15"
    done
done

echo
echo "== scripts/test-py.sh summary"
printf '%s\n' "${SUMMARY[@]}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
