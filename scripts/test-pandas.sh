#!/usr/bin/env bash
# brinery-pandas tests: fixtures (repr/CSV vs recorded pandas 3.1.1 output,
# no Python needed), hostile inputs, and the CLI tests including the
# Parquet/Arrow read-back by pandas+pyarrow (needs scripts/requirements-pandas.txt;
# loud SKIP locally without them, failure under CI).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${BRINERY_PYTHON:-python3}
if ! "$PY" -c "import pandas, pyarrow" 2>/dev/null; then
    "$PY" -m pip install -q -r scripts/requirements-pandas.txt
fi
export BRINERY_PYTHON="$PY"
cargo test -p brinery-pandas
cargo test -p brine-cli --test pandas
