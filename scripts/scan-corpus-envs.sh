#!/usr/bin/env bash
# Regenerate the benign corpus of brinery-scan (crates/brinery-scan/tests/
# corpus/benign) with the real libraries at the versions it was made with:
# three venvs under /tmp/venvs (pyenv Pythons 3.10, 3.11, 3.12; torch is a
# large download), plus pyenv's Python 2.7 and 3.13 for the standard
# library. Not part of CI (the corpus is committed); then run
# `cargo test -p brinery-scan --test corpus` and update the exact counts in
# tests/corpus.rs if the set of files changed.
#
#   scripts/scan-corpus-envs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYENV="${PYENV_ROOT:-/root/.pyenv}/versions"
V=/tmp/venvs
GEN=crates/brinery-scan/tests/corpus/gen_benign.py
common="lz4==4.4.5 pytz==2026.6 tzdata==2026.6"
mk() {  # name python-version packages...
    local name=$1 py=$2
    shift 2
    [ -x "$V/$name/bin/python" ] || "$PYENV/$py/bin/python3" -m venv "$V/$name"
    "$V/$name/bin/pip" install -q "$@" $common
}
mk a 3.10.13 numpy==1.26.4 pandas==1.5.3 scikit-learn==1.2.2 scipy==1.11.4 joblib==1.2.0 \
    pyarrow==14.0.2 python-dateutil==3.0.0 torch==2.2.2
mk b 3.11.7 numpy==2.2.6 pandas==2.2.3 scikit-learn==1.6.1 scipy==1.17.1 joblib==1.6.0 \
    pyarrow==26.0.1 python-dateutil==4.0.0 torch==2.15.0
mk c 3.12.1 numpy==2.5.5 pandas==3.1.1 scikit-learn==1.9.1 scipy==1.18.1 joblib==1.6.0 \
    pyarrow==26.0.1 python-dateutil==4.0.0
for py in "$V/c/bin/python" "$V/b/bin/python" "$V/a/bin/python" \
          "$PYENV/2.7.18/bin/python" "$PYENV/3.13.0/bin/python3"; do
    "$py" "$GEN"
done
