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
# Venvs live in target/py-venvs (reused between runs; the venv of the build
# Python is also the build venv). A venv is checked before use: a half-made
# one (no python, no pip, e.g. after a full disk) is deleted and made again,
# and requirements are installed only when scripts/requirements-py.txt
# changed. pip keeps no cache. Prints the disk use of target/py-venvs, a
# summary and a final "N passed, N failed" line.
set -euo pipefail
export PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

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

# A venv is usable when its python runs and imports pip, and its marker
# file holds the hash of the requirements it was given.
venv_ok() { # dir
    [ -x "$1/bin/python" ] && "$1/bin/python" -c 'import pip' >/dev/null 2>&1
}
REQ_HASH="$(sha256sum "$REQ" | cut -c1-16)"
venv_for() { # version, python -> prints the venv dir
    local v="$1" py="$2" dir="$VENVS/$1" try
    for try in 1 2; do
        if ! venv_ok "$dir"; then
            [ -e "$dir" ] && echo "test-py: $dir is half-made (no python or pip): recreating" >&2
            rm -rf "$dir"
            if ! "$py" -m venv "$dir" >&2 || ! venv_ok "$dir"; then
                echo "test-py: creating $dir failed (try $try); disk:" >&2
                df -h "$VENVS" >&2 || true
                rm -rf "$dir"
                continue
            fi
        fi
        if [ "$(cat "$dir/.brinery-req" 2>/dev/null)" = "$REQ_HASH" ]; then
            echo "$dir"; return 0
        fi
        rm -f "$dir/.brinery-req"
        if "$dir/bin/python" -m pip install -q --no-cache-dir -r "$REQ" >&2; then
            echo "$REQ_HASH" >"$dir/.brinery-req"
            echo "$dir"; return 0
        fi
        echo "test-py: pip install into $dir failed (try $try); disk:" >&2
        df -h "$VENVS" >&2 || true
        rm -rf "$dir"
    done
    return 1
}
venv_du() { echo "test-py: disk use of target/py-venvs: $(du -sh "$VENVS" 2>/dev/null | cut -f1) ($(df -h --output=avail "$VENVS" | tail -1 | tr -d ' ') free)"; }

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
venv_du
# The build venv is the venv of the build Python's version (one venv less).
BUILD_V="$("$BUILD_PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
rm -rf "$VENVS/build" # the separate build venv of earlier revisions
if ! BUILD_VENV="$(venv_for "$BUILD_V" "$BUILD_PY")"; then
    venv_du
    echo "0 passed, 1 failed"
    exit 1
fi
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
    if ! venv="$(venv_for "$v" "$py")" ||
        ! "$venv/bin/python" -m pip install -q --no-cache-dir --no-deps --force-reinstall "$WHEEL"; then
        FAILED=$((FAILED + 1)); SUMMARY+=("FAIL  venv for CPython $v")
        continue
    fi
    # Run from an empty directory so `import brinery` is the installed wheel.
    step "pytest python/tests ($v)" \
        bash -c "cd '$RUNDIR' && '$venv/bin/python' -m pytest -q -p no:cacheprovider '$ROOT/python/tests'"
    # The package's differential fuzz run (python/tests/pkgfuzz.py): fixed
    # seed and counts, asserted; once, on the build Python (about a minute).
    if [ "$v" = "$BUILD_V" ]; then
        step "package fuzz vs pickle ($v)" \
            bash -c "set -o pipefail; cd '$RUNDIR' && '$venv/bin/python' -W ignore '$ROOT/python/tests/pkgfuzz.py' --ci | tail -6"
    fi
    for mode in allow safe; do
        step "CPython pickletester, $mode mode ($v)" \
            bash -c "set -o pipefail; cd '$RUNDIR' && BRINERY_SUITE_MODE=$mode '$venv/bin/python' '$ROOT/python/tests/run_cpython_suite.py' --json '$ROOT/target/py-suite-$v-$mode.json' | tail -15"
    done
done

echo
venv_du
echo "== scripts/test-py.sh summary"
printf '%s\n' "${SUMMARY[@]}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
