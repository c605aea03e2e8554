#!/usr/bin/env bash
# A second Docker engine on this machine, for agents that each drive their own engine (tests, bench).
#   scripts/second-engine.sh [start|stop] [NAME]     (NAME default engine2)
# Everything lives under ${ROGER_SERVICES_DIR:-.services}/NAME: data root, exec root, pid file, log and
# the socket NAME/docker.sock. Like services.sh, containers get loopback only. `start` is idempotent,
# loads the base image 127.0.0.1:5000/busybox:latest into the engine, and prints
#   export ROGER_ENGINE2_SOCKET=<socket path>
# for `eval "$(scripts/second-engine.sh)"`. `stop` stops the engine and waits until it is gone.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${ROGER_SERVICES_DIR:-$ROOT/.services}
ACTION=${1:-start}
NAME=${2:-engine2}
BASE=127.0.0.1:5000/busybox:latest

say() { echo "[second-engine] $*" >&2; }
die() { say "error: $*"; exit 1; }

[[ $NAME =~ ^[A-Za-z0-9_-]{1,32}$ ]] || die "NAME must be 1-32 letters, digits, _ or -"
DIR=$STATE/$NAME
SOCK=$DIR/docker.sock
PIDFILE=$DIR/docker.pid
engine() { docker -H "unix://$SOCK" "$@"; }
up() { [ -S "$SOCK" ] && engine version --format '{{.Server.Version}}' >/dev/null 2>&1; }
running_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
  if ! up; then
    command -v dockerd >/dev/null || die "dockerd is missing: run scripts/services.sh first"
    [ "$(id -u)" -eq 0 ] || die "starting a Docker engine needs root"
    # A pid file of an engine that died would make dockerd refuse to start.
    if [ -z "$(running_pid)" ]; then rm -f "$PIDFILE" "$SOCK"; fi
    mkdir -p "$DIR/data" "$DIR/exec"
    say "starting dockerd $NAME on $SOCK"
    # Its own roots and pid file, so it never touches the main engine's; its own managed containerd
    # lives under the exec root. The network flags keep containers on loopback.
    nohup dockerd --host "unix://$SOCK" --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$PIDFILE" \
      --bridge=none --iptables=false --ip-masq=false >>"$DIR/dockerd.log" 2>&1 &
    for _ in $(seq 1 120); do up && break; sleep 0.5; done
    up || die "dockerd $NAME did not come up; see $DIR/dockerd.log"
  fi
  if ! engine image inspect "$BASE" >/dev/null 2>&1; then
    say "loading $BASE into $NAME"
    # The local registry is reachable from the host (127.0.0.0/8 registries need no TLS); when it is
    # not, the main engine's copy is carried over.
    engine pull -q "$BASE" >/dev/null 2>&1 || docker save "$BASE" | engine load -q >/dev/null
    engine image inspect "$BASE" >/dev/null 2>&1 || die "could not load $BASE into $NAME"
  fi
  echo "export ROGER_ENGINE2_SOCKET=$SOCK"
}

stop() {
  local pid
  pid=$(running_pid || true)
  if [ -n "$pid" ]; then
    say "stopping dockerd $NAME ($pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && die "dockerd $NAME ($pid) did not stop; see $DIR/dockerd.log"
  fi
  rm -f "$PIDFILE" "$SOCK"
}

case $ACTION in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 [start|stop] [NAME]" ;;
esac
