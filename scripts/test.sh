#!/usr/bin/env bash
# Runs every test against real services: starts the Docker engine, the registry and PostgreSQL
# (scripts/services.sh, scripts/postgres.sh), compiles, type-checks, then runs vitest.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund
scripts/services.sh
eval "$(scripts/postgres.sh)"
export ROGER_TEST_PG
npm run --silent build
npx tsc -p tsconfig.test.json --noEmit
npx vitest run "$@"
