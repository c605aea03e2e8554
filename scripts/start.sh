#!/usr/bin/env bash
# Quick start: installs what is missing, starts the local services, builds the bundled example once,
# then runs the Roger server on its embedded defaults (SQLite, local engine, registry on :5000).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
command -v node >/dev/null || { echo "Node.js 20 is required" >&2; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
scripts/services.sh
scripts/example.sh
CONFIG=${ROGER_CONFIG:-$ROOT/examples/config.yml}
exec bin/roger serve --config "$CONFIG" "$@"
