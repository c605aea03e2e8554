#!/usr/bin/env bash
# Runs every test against real services: starts the Docker engine, the registry and PostgreSQL
# (scripts/services.sh, scripts/postgres.sh), a second engine (scripts/second-engine.sh), installs Chromium for the browser tests, compiles the
# server and the web UI, type-checks, then runs vitest.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund
scripts/services.sh
eval "$(scripts/postgres.sh)"
# A second engine, for the tests of agents on two Docker hosts.
eval "$(scripts/second-engine.sh)"

# The browser tests (test/web) drive Debian's Chromium; installed like services.sh installs packages.
if [ ! -x /usr/bin/chromium ]; then
  STATE=${ROGER_SERVICES_DIR:-$ROOT/.services}
  [ "$(id -u)" -eq 0 ] || { echo "[test] error: need root to install chromium (run: sudo apt-get install -y chromium)" >&2; exit 1; }
  command -v apt-get >/dev/null || { echo "[test] error: apt-get not found: install chromium by hand" >&2; exit 1; }
  echo "[test] installing chromium" >&2
  mkdir -p "$STATE"
  if [ ! -f "$STATE/.apt-updated" ]; then apt-get update -qq && touch "$STATE/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export ROGER_TEST_PG ROGER_ENGINE2_SOCKET
npm run --silent build
npx tsc -p tsconfig.test.json --noEmit
REPORT=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$REPORT" "$@" || status=$?
# One plain closing line, readable by any CI: "N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$REPORT" || true
rm -f "$REPORT"
exit $status
