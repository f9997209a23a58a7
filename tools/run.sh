#!/usr/bin/env bash
# The README's launch command: set up a virtual environment and start convgui.
# Arguments are passed to the app (an image path, --kernel NAME, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CONVGUI_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e .
exec "$VENV/bin/python" main.py "$@"
