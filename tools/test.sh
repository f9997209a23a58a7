#!/usr/bin/env bash
# The README's test command: set up a virtual environment with the test extra (once), run pytest.
# CONVGUI_VENV picks the environment's folder (default .venv in the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CONVGUI_VENV:-.venv}"
STAMP="$VENV/.convgui-test-installed"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ ! -e "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]"
  touch "$STAMP"
fi
exec "$VENV/bin/python" -m pytest "$@"
