#!/bin/sh
# Starts Roger in its container: applies the image's defaults (container-env.mjs), checks what the
# announcement's `docker run` mounts (the Docker socket, /db), then runs Roger as the unprivileged user
# `roger` with the socket's group added, so neither root nor --privileged is needed.
set -eu

die() { code=$1; shift; printf 'roger: %s\n' "$*" >&2; exit "$code"; }

# `docker run IMAGE --port 9000` means `serve --port 9000`.
case "${1:-}" in '' | -*) set -- serve "$@" ;; esac
case "$1" in serve | agent | build) check=1 ;; *) check=0 ;; esac

settings=$(node /app/docker/container-env.mjs "$@") || exit $?
eval "$settings"

uid=$(id -u roger)
gid=$(id -g roger)
run_as=
if [ "$(id -u)" = 0 ]; then
  groups=$gid
  if [ -n "$roger_socket" ] && [ -S "$roger_socket" ]; then groups="$groups,$(stat -c %g "$roger_socket")"; fi
  run_as="setpriv --reuid=$uid --regid=$gid --groups=$groups --no-new-privs"
  export HOME=/home/roger
fi

if [ "$check" = 1 ]; then
  if [ -n "$roger_socket" ]; then
    [ -e "$roger_socket" ] || die 1 "no Docker socket at $roger_socket: mount the engine's socket there (docker run -v /var/run/docker.sock:$roger_socket ...)"
    [ -S "$roger_socket" ] || die 1 "$roger_socket is not a socket: mount the Docker engine's socket there (-v /var/run/docker.sock:$roger_socket)"
    if ! $run_as test -r "$roger_socket" -a -w "$roger_socket"; then
      die 1 "the Docker socket $roger_socket ($(stat -c '%A, owner %u:%g' "$roger_socket")) cannot be read and written by uid $(id -u ${run_as:+roger}) (groups ${groups:-$(id -G)}): on the host give the socket's group read and write access (chmod g+rw), or run the container as the socket's owner (--user UID) or with its group (--group-add GID)"
    fi
  fi
  while IFS= read -r dir; do
    [ -n "$dir" ] || continue
    mkdir -p "$dir" 2>/dev/null || true
    if [ -n "$run_as" ] && [ -w "$dir" ]; then
      # Docker creates a missing host directory owned by root; hand it (and what a root-run Roger left) over.
      find "$dir" -xdev ! -user "$uid" -exec chown "$uid:$gid" {} + 2>/dev/null || true
    fi
    if ! $run_as test -d "$dir" -a -w "$dir"; then
      if [ -d "$dir" ] && ! [ -w "$dir" ] && [ -n "$run_as" ]; then
        die 1 "$dir is read-only: Roger keeps its data there; mount it writable (docker run -v \$(pwd)/db:/db, without :ro)"
      fi
      die 1 "$dir is not writable by uid $(id -u ${run_as:+roger}): Roger keeps its data there; mount a directory that user may write, or make it writable (read-only mount?)"
    fi
  done <<DIRS
$roger_dirs
DIRS
fi

if [ -n "$roger_health" ]; then printf '%s\n' "$roger_health" >/tmp/.roger-healthz 2>/dev/null || true; fi
exec $run_as node /app/bin/roger "$@"
