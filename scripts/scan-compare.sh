#!/usr/bin/env bash
# Reproduce the scanner comparison table of docs/SCANNER.md: brine scan vs
# picklescan, fickling and modelscan on the malicious and benign corpora of
# crates/brinery-scan/tests/corpus. Installs the tools (versions pinned in
# scripts/requirements-scan-compare.txt) into their own venv, builds brine
# in release mode and rewrites the table (--no-write: print it only).
# Not part of CI (it downloads the tools); takes about 5 minutes.
#
#   scripts/scan-compare.sh [--no-write]
#   SCAN_COMPARE_VENV=/tmp/venvs/scan-compare PYTHON=python3 scripts/scan-compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${SCAN_COMPARE_VENV:-/tmp/venvs/scan-compare}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/pip" install -q -r scripts/requirements-scan-compare.txt
cargo build --release -q -p brine-cli
write=(--write docs/SCANNER.md)
if [ "${1:-}" = "--no-write" ]; then
    write=()
fi
"$VENV/bin/python" crates/brinery-scan/compare/compare.py --brine target/release/brine "${write[@]}"
