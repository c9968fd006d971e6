#!/usr/bin/env bash
# Idempotent set-up of everything the run and test commands need.
#   scripts/setup.sh          Python venv + dependencies, frontend dependencies + build
#   scripts/setup.sh --test   also the browser and CJK fonts the end-to-end tests use, and the
#                             PDF and QR-code tools of the certificate tests
set -euo pipefail
cd "$(dirname "$0")/.."

want_test_tools=false
[ "${1:-}" = "--test" ] && want_test_tools=true

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# --- Python ---------------------------------------------------------------
python_bin=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python_bin=$candidate; break
  fi
done
[ -n "$python_bin" ] || { echo "Python 3.11 or newer is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $python_bin"
  "$python_bin" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing Python dependencies"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi

# --- System packages (Debian) ---------------------------------------------
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "${missing[@]}"
}
if command -v apt-get >/dev/null 2>&1; then
  # WeasyPrint renders the certificate PDFs with Pango; the CJK fonts are their typeface.
  apt_install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
  # poppler-utils (pdftotext, pdftoppm) and zbar-tools (zbarimg) check the certificate PDFs.
  $want_test_tools && apt_install chromium poppler-utils zbar-tools wrk
fi

# --- Frontend ---------------------------------------------------------------
command -v npm >/dev/null 2>&1 || { echo "Node.js 20+ with npm is required" >&2; exit 1; }
node_stamp=frontend/node_modules/.installed
if [ ! -f "$node_stamp" ] || [ frontend/package-lock.json -nt "$node_stamp" ]; then
  say "installing frontend dependencies"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  touch "$node_stamp"
fi
if [ ! -f frontend/dist/index.html ] ||
   [ -n "$(find frontend/src frontend/public frontend/index.html frontend/vite.config.ts \
            frontend/package-lock.json -newer frontend/dist/index.html -print -quit 2>/dev/null)" ]; then
  say "building the frontend"
  (cd frontend && npm run build --silent)
fi
