#!/usr/bin/env bash
# Regenerate brinery-sklearn's fixtures (tests/fixtures/sk1.3, sk1.9) and
# default-parameter tables (src/defaults/*.tsv) from scikit-learn itself,
# in two venvs under ${VENVS:-/tmp/venvs}. Takes ~2 minutes (mostly pip).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
venvs="${VENVS:-/tmp/venvs}"
py="${PYTHON:-python3}"
mkdir -p "$venvs"
mk() { # name requirements
  [ -x "$venvs/$1/bin/python" ] || "$py" -m venv "$venvs/$1"
  "$venvs/$1/bin/pip" install -q -r "$2"
}
mk sk13 "$here/scripts/requirements-1.3.txt"
mk skcur "$repo/scripts/requirements-sklearn.txt"
cd "$here/tests/fixtures"
for pair in sk13:sk1.3 skcur:sk1.9; do
  v="${pair%%:*}"; out="${pair##*:}"
  rm -rf "$out"
  "$venvs/$v/bin/python" gen.py "$out"
  ver="$("$venvs/$v/bin/python" -c 'import sklearn; print(sklearn.__version__)')"
  "$venvs/$v/bin/python" "$here/scripts/gen_defaults.py" > "$here/src/defaults/sklearn-$ver.tsv"
done
echo "fixtures and tables regenerated"
