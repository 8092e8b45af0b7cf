#!/usr/bin/env bash
# Ensures the git-ignored Python venv for anchors and oracles (.venv/) holds the given PyPI
# packages, then prints its python. Usage: scripts/venv.sh 'ai-edge-litert' 'opencv-python-headless<5'
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
missing=()
for spec in "$@"; do
  name=${spec%%[<>=!]*}
  "$venv/bin/python" -m pip show -q "$name" >/dev/null 2>&1 || missing+=("$spec")
done
if ((${#missing[@]})); then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}" >&2
fi
echo "$venv/bin/python"
