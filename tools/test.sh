#!/usr/bin/env bash
# The README's test command: set up a virtual environment with the test extra, run pytest.
# CONVGUI_VENV picks the environment's folder (default .venv in the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CONVGUI_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[test]"
exec "$VENV/bin/python" -m pytest "$@"
