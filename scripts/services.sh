#!/usr/bin/env bash
# Starts the local services Roger and its tests rely on: a Docker engine, a registry on
# 127.0.0.1:5000 and a local base image (nothing can be pulled from the internet here).
# Idempotent: each step checks first and returns quickly when things already run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${ROGER_SERVICES_DIR:-$ROOT/.services}
REGISTRY=${ROGER_REGISTRY:-127.0.0.1:5000}
BASE_IMAGE=${ROGER_BASE_IMAGE:-$REGISTRY/busybox:latest}
mkdir -p "$STATE"

say() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

apt_install() {
  # Installs Debian packages; explains clearly when this shell cannot.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "need root to install ${missing[*]} (run: sudo apt-get install -y ${missing[*]})"
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
  say "installing ${missing[*]}"
  if [ ! -f "$STATE/.apt-updated" ]; then apt-get update -qq && touch "$STATE/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

start_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null || apt_install docker.io
  command -v docker >/dev/null || apt_install docker.io
  [ "$(id -u)" -eq 0 ] || die "the Docker engine is not running and starting it needs root"
  say "starting dockerd (no bridge, loopback-only containers)"
  # The network flags keep containers on loopback: no traffic may leave this machine.
  nohup dockerd --bridge=none --iptables=false --ip-masq=false >"$STATE/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "dockerd did not come up; see $STATE/dockerd.log"
}

registry_up() { curl -fsS -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null; }

start_registry() {
  if registry_up; then return 0; fi
  command -v docker-registry >/dev/null || apt_install docker-registry
  command -v curl >/dev/null || apt_install curl
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<YML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $STATE/registry }
  delete: { enabled: true }
http:
  addr: $REGISTRY
YML
  say "starting docker-registry on $REGISTRY"
  nohup docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 &
  for _ in $(seq 1 40); do registry_up && return 0; sleep 0.25; done
  die "the registry did not answer on $REGISTRY; see $STATE/registry.log"
}

make_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    # Pushed already? A HEAD on the manifest tells without moving layers.
    local repo=${BASE_IMAGE#*/}; repo=${repo%:*}
    curl -fsS -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      "http://$REGISTRY/v2/$repo/manifests/latest" 2>/dev/null && return 0
  else
    [ -x /bin/busybox ] && busybox --list >/dev/null 2>&1 && dpkg -s busybox-static >/dev/null 2>&1 || apt_install busybox-static
    say "creating $BASE_IMAGE from Debian's busybox-static"
    local rootfs; rootfs=$(mktemp -d)
    mkdir -p "$rootfs"/{bin,etc,tmp,root,proc,sys,dev,usr/bin,sbin,usr/sbin}
    cp /bin/busybox "$rootfs/bin/busybox"
    for app in $(/bin/busybox --list); do
      [ -e "$rootfs/bin/$app" ] || ln -s busybox "$rootfs/bin/$app"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
    echo 'root:x:0:' >"$rootfs/etc/group"
    chmod 1777 "$rootfs/tmp"
    tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
  fi
  docker push -q "$BASE_IMAGE" >/dev/null || die "could not push $BASE_IMAGE to $REGISTRY"
}

start_docker
start_registry
make_base_image
say "ready: docker $(docker version -f '{{.Server.Version}}'), registry $REGISTRY, base image $BASE_IMAGE"
