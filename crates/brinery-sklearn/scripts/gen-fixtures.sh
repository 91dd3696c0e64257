#!/usr/bin/env bash
# Regenerate brinery-sklearn's fixtures (tests/fixtures/sk1.0, sk1.3,
# sk1.9) and default-parameter tables (src/defaults/*.tsv) from
# scikit-learn itself, in three venvs under ${VENVS:-/tmp/venvs}
# (1.0.2 needs Python 3.10: PYTHON310). Takes ~3 minutes (mostly pip).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
venvs="${VENVS:-/tmp/venvs}"
py="${PYTHON:-python3}"
mkdir -p "$venvs"
py310="${PYTHON310:-/root/.pyenv/versions/3.10.13/bin/python3}"
mk() { # name requirements python
  [ -x "$venvs/$1/bin/python" ] || "$3" -m venv "$venvs/$1"
  "$venvs/$1/bin/pip" install -q -r "$2"
}
mk sk10 "$here/scripts/requirements-1.0.txt" "$py310"
mk sk13 "$here/scripts/requirements-1.3.txt" "$py"
mk skcur "$repo/scripts/requirements-sklearn.txt" "$py"
cd "$here/tests/fixtures"
for pair in sk10:sk1.0:--joblib-only sk13:sk1.3: skcur:sk1.9:; do
  IFS=: read -r v out flag <<< "$pair"
  rm -rf "$out"
  "$venvs/$v/bin/python" gen.py "$out" $flag
  ver="$("$venvs/$v/bin/python" -c 'import sklearn; print(sklearn.__version__)')"
  "$venvs/$v/bin/python" "$here/scripts/gen_defaults.py" > "$here/src/defaults/sklearn-$ver.tsv"
done
echo "fixtures and tables regenerated"
