#!/usr/bin/env bash
# The README's launch command: check the system libraries Qt needs, set up a virtual environment
# (once) and start convgui. Arguments are passed to the app (an image path, --kernel NAME, ...).
#
#   tools/run.sh --check-system   only check the system libraries: list each one, print the
#                                 command that installs the missing ones, exit 0 when none is
#                                 missing (installs nothing, creates no environment)
#
# Environment:
#   CONVGUI_VENV            the environment's folder (default .venv in the checkout)
#   CONVGUI_SYSTEM_INSTALL  0: never run apt-get, even as root; only print the command
#   CONVGUI_EXTRA_LIBS      more library files to require, "FILE" or "FILE=PACKAGE", separated
#                           by spaces (used by the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CONVGUI_VENV:-.venv}"
STAMP="$VENV/.convgui-installed"

# Library file = the Debian/Ubuntu package that ships it. Qt's offscreen platform (and QtGui
# itself) needs the first group; a window on an X11 or XWayland display needs the second too.
# Libraries these packages depend on (libX11, libxcb, libxcb-image...) come with them.
CORE_LIBS="libEGL.so.1=libegl1 libGL.so.1=libgl1 libxkbcommon.so.0=libxkbcommon0
  libfontconfig.so.1=libfontconfig1 libdbus-1.so.3=libdbus-1-3 libglib-2.0.so.0=libglib2.0-0"
XCB_LIBS="libxkbcommon-x11.so.0=libxkbcommon-x11-0 libxcb-cursor.so.0=libxcb-cursor0
  libxcb-icccm.so.4=libxcb-icccm4 libxcb-keysyms.so.1=libxcb-keysyms1
  libxcb-shape.so.0=libxcb-shape0"

# Prefix for a command that needs root: empty when already root.
as_root() {
  if [ "$(id -u)" = 0 ]; then echo ""; else echo "sudo "; fi
}

# The libraries to require for the Qt platform this launch will use.
required_libs() {
  case "${QT_QPA_PLATFORM:-}" in
    offscreen* | minimal*) echo "$CORE_LIBS ${CONVGUI_EXTRA_LIBS:-}" ;;
    *) echo "$CORE_LIBS $XCB_LIBS ${CONVGUI_EXTRA_LIBS:-}" ;;
  esac
}

# The dynamic linker's list of libraries (empty when there is no ldconfig).
linker_cache() {
  local ldc
  for ldc in "$(command -v ldconfig || true)" /sbin/ldconfig /usr/sbin/ldconfig; do
    if [ -n "$ldc" ] && [ -x "$ldc" ]; then
      "$ldc" -p 2>/dev/null || true
      return
    fi
  done
}

# Is the library file FILE installed? Looks in the linker cache (captured once, so grep never
# cuts a pipe short), then in the usual library folders.
CACHE=""
has_lib() {
  local file="$1" dir
  if awk -v f="$file" '$1 == f { found = 1 } END { exit !found }' <<<"$CACHE"; then
    return 0
  fi
  for dir in /lib /usr/lib /lib64 /usr/lib64 /lib/*-linux-gnu* /usr/lib/*-linux-gnu*; do
    [ -e "$dir/$file" ] && return 0
  done
  return 1
}

# Sets MISSING_LIBS and MISSING_PKGS; with "verbose", lists every library and whether it is there.
find_missing() {
  local entry file pkg
  CACHE="$(linker_cache)"
  MISSING_LIBS=""
  MISSING_PKGS=""
  for entry in $(required_libs); do
    file="${entry%%=*}"
    pkg="${entry#*=}"
    if [ "$pkg" = "$entry" ]; then pkg="${file%%.so*}"; fi
    if has_lib "$file"; then
      [ "${1:-}" = verbose ] && echo "ok       $file ($pkg)"
    else
      [ "${1:-}" = verbose ] && echo "missing  $file ($pkg)"
      MISSING_LIBS="$MISSING_LIBS $file"
      case " $MISSING_PKGS " in *" $pkg "*) ;; *) MISSING_PKGS="$MISSING_PKGS $pkg" ;; esac
    fi
  done
  MISSING_LIBS="${MISSING_LIBS# }"
  MISSING_PKGS="${MISSING_PKGS# }"
  return 0
}

# Install Debian packages ($2...) needed for $1 (what they are for): with apt-get as root, do it
# and return 0; otherwise print the one command to run and return 1.
install_packages() {
  local why="$1"
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "convgui: $why are missing. Install them with your system's package manager" \
      "(on Debian or Ubuntu they are in: $*), then run this again." >&2
    return 1
  fi
  if [ "$(id -u)" = 0 ] && [ "${CONVGUI_SYSTEM_INSTALL:-1}" != 0 ]; then
    echo "convgui: installing $why: $*" >&2
    if DEBIAN_FRONTEND=noninteractive apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; then
      return 0
    fi
    echo "convgui: apt-get could not install them (see above). Run this, then try again:" >&2
  else
    echo "convgui: $why are missing. Install them with this command, then run this again:" >&2
  fi
  echo "    $(as_root)apt-get install $*" >&2
  return 1
}

# Make sure the system libraries Qt needs are there (installing them when allowed).
ensure_system_libs() {
  [ "$(uname -s)" = Linux ] || return 0
  find_missing
  [ -z "$MISSING_PKGS" ] && return 0
  echo "convgui: Qt needs these system libraries, which are missing: $MISSING_LIBS" >&2
  install_packages "the system libraries Qt needs" $MISSING_PKGS || exit 1
  find_missing
  if [ -n "$MISSING_PKGS" ]; then
    echo "convgui: still missing after installing: $MISSING_LIBS (packages: $MISSING_PKGS)" >&2
    exit 1
  fi
}

if [ "${1:-}" = --check-system ]; then
  if [ "$(uname -s)" != Linux ]; then
    echo "convgui: not Linux: Qt brings what it needs, nothing to check"
    exit 0
  fi
  find_missing verbose
  if [ -z "$MISSING_PKGS" ]; then
    echo "convgui: every system library Qt needs is installed"
    exit 0
  fi
  echo "convgui: missing: $MISSING_LIBS. Install them with:"
  echo "    $(as_root)apt-get install $MISSING_PKGS"
  exit 1
fi

ensure_system_libs

# The environment: a failed `python3 -m venv` (Debian without python3-venv) leaves a folder
# with no pip, which would break every later run; remove it and say what to install.
if [ ! -x "$VENV/bin/python" ]; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "convgui: python3 is not installed; install Python 3.11 or newer" \
      "(Debian/Ubuntu: $(as_root)apt-get install python3 python3-venv), then run this again" >&2
    exit 1
  fi
  existed=0
  [ -e "$VENV" ] && existed=1
  if ! venv_log="$(python3 -m venv "$VENV" 2>&1)"; then
    [ "$existed" = 0 ] && rm -rf -- "$VENV"
    if grep -qiE "ensurepip|No module named venv|python3(\.[0-9]+)?-venv" <<<"$venv_log"; then
      echo "convgui: Python's venv module (with pip) is missing; it is needed to set up $VENV" >&2
      install_packages "python3-venv (Python's venv module)" python3-venv || exit 1
      python3 -m venv "$VENV"
    else
      echo "$venv_log" >&2
      echo "convgui: could not create the environment $VENV (see the message above)" >&2
      exit 1
    fi
  fi
fi

# Install only when the environment is new or pyproject.toml changed, so a later launch starts
# at once and works without a network.
if [ ! -e "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  quiet=""
  if [ -e "$STAMP" ]; then
    quiet="--quiet"
  else
    echo "convgui: first run: downloading about 110 MB of Python packages (PySide6, numpy," \
      "pyqtgraph, Pillow) into $VENV; this takes about a minute"
  fi
  if "$VENV/bin/python" -m pip install $quiet --disable-pip-version-check -e .; then
    touch "$STAMP"
  elif "$VENV/bin/python" -c "import convgui.app" 2>/dev/null; then
    echo "convgui: could not update the environment (offline?); starting the installed version" >&2
  else
    echo "convgui: installing failed; check the network connection and run this again" >&2
    exit 1
  fi
fi
exec "$VENV/bin/python" main.py "$@"
