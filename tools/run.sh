#!/usr/bin/env bash
# The README's launch command: set up a virtual environment (once) and start convgui.
# Arguments are passed to the app (an image path, --kernel NAME, ...).
# CONVGUI_VENV picks the environment's folder (default .venv in the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CONVGUI_VENV:-.venv}"
STAMP="$VENV/.convgui-installed"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# Install only when the environment is new or pyproject.toml changed, so a later launch starts
# at once and works without a network.
if [ ! -e "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  if "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e .; then
    touch "$STAMP"
  elif "$VENV/bin/python" -c "import convgui.app" 2>/dev/null; then
    echo "convgui: could not update the environment (offline?); starting the installed version" >&2
  else
    echo "convgui: installing failed; check the network connection and run this again" >&2
    exit 1
  fi
fi
exec "$VENV/bin/python" main.py "$@"
