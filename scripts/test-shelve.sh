#!/usr/bin/env bash
# Shelve tests (issue 19): brinery-shelve's fixture, hostile, Python
# round-trip and concurrency tests, and brine's shelf CLI tests.
# Needs python3 (with scripts/requirements-shelve.txt, installed here) and a
# CPython 3.13 for dbm.sqlite3 (BRINERY_PYTHON313, python3.13 or
# ~/.pyenv/versions/3.13*). Under CI (env CI set) a missing Python fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${BRINERY_PYTHON:-python3}
"$PY" -m pip install -q -r scripts/requirements-shelve.txt
cargo test -p brinery-shelve
cargo test -p brine-cli --test shelve
