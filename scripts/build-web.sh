#!/usr/bin/env bash
# Builds the front end into internal/web/dist when its sources exist. Without npm, the Go build
# still works and kefu serves a "front end not built" page instead of the apps.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f web/package.json ]] || exit 0
if ! command -v npm >/dev/null; then
  echo "note: npm not found; skipping the front-end build (kefu will say the front end is not built)"
  exit 0
fi
cd web
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
