#!/usr/bin/env bash
# Starts a local Postgres for Roger's Postgres store tests and agent setups: a cluster under
# $ROGER_SERVICES_DIR/postgres listening on 127.0.0.1:$ROGER_PG_PORT (default 5433, so it never
# meets a system Postgres on 5432), with role and database `roger` (password `roger`).
# Idempotent and quick when already running. Prints the line to export for the tests:
#   eval "$(scripts/postgres.sh)"
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${ROGER_SERVICES_DIR:-$ROOT/.services}
PORT=${ROGER_PG_PORT:-5433}
HOST=127.0.0.1
PGDATA_DIR=$STATE/postgres
LOG=$STATE/postgres.log
URL="postgres://roger:roger@$HOST:$PORT/roger"

say() { printf '[postgres] %s\n' "$*" >&2; }
die() { printf '[postgres] error: %s\n' "$*" >&2; exit 1; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_postgres() {
  [ -n "$(pg_bin)" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "Postgres is not installed (run: sudo apt-get install -y postgresql)"
  command -v apt-get >/dev/null || die "apt-get not found: install Postgres by hand"
  mkdir -p "$STATE"
  say "installing postgresql"
  if [ ! -f "$STATE/.apt-updated" ]; then apt-get update -qq && touch "$STATE/.apt-updated"; fi
  # Debian's package starts its own cluster on 5432; ours is separate, so that one is left alone.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  [ -n "$(pg_bin)" ] || die "postgresql installed but no server binaries under /usr/lib/postgresql"
}

# Postgres refuses to run as root: as root the cluster belongs to the `postgres` OS user.
if [ "$(id -u)" -eq 0 ]; then SUPERUSER=postgres; else SUPERUSER=$(id -un); fi
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# The admin connection goes over the socket in /tmp, authenticated as the OS user (peer).
psql_admin() { as_owner "$BIN/psql" -h /tmp -p "$PORT" -U "$SUPERUSER" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

ready() { "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" >/dev/null 2>&1; }

start_cluster() {
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    say "creating a cluster in $PGDATA_DIR"
    mkdir -p "$PGDATA_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PGDATA_DIR"
    chmod 700 "$PGDATA_DIR"
    as_owner test -x "$STATE" || die "the postgres user cannot enter $STATE; set ROGER_SERVICES_DIR to a directory it can"
    as_owner "$BIN/initdb" -D "$PGDATA_DIR" -U "$SUPERUSER" -E UTF8 --no-locale \
      --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  fi
  touch "$LOG"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$LOG"
  say "starting Postgres on $HOST:$PORT"
  # -F (no fsync): this cluster holds test and development data, and creating a database per test
  # run is several times faster without it. Remove -F to keep data through a power loss.
  as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$LOG" -w -t 60 \
    -o "-k /tmp -p $PORT -h $HOST -F" start >/dev/null || die "Postgres did not start; see $LOG"
}

ensure_roger() {
  if [ "$(psql_admin -c "select 1 from pg_roles where rolname = 'roger'")" != 1 ]; then
    say "creating role roger"
    # CREATEDB: each test run creates and drops its own database.
    psql_admin -c "create role roger login createdb password 'roger'"
  fi
  if [ "$(psql_admin -c "select 1 from pg_database where datname = 'roger'")" != 1 ]; then
    say "creating database roger"
    psql_admin -c "create database roger owner roger"
  fi
}

install_postgres
BIN=$(pg_bin)
ready || start_cluster
ready || die "Postgres is not answering on $HOST:$PORT; see $LOG"
ensure_roger
echo "export ROGER_TEST_PG=$URL"
