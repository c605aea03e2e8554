#!/usr/bin/env bash
# Makes a Node 20 base image without pulling anything: a Debian bookworm rootfs from debootstrap
# (--variant=minbase) plus this machine's own Node 20 (binary, npm, headers), laid out as the
# official node images are (/usr/local), `docker import`ed and pushed to the local registry.
# It stands in for node:20-bookworm-slim where no image can be pulled:
#   docker build --network host --build-arg NODE_IMAGE=$(scripts/node-base.sh) .
# Cached under $ROGER_SERVICES_DIR/node-base (the rootfs tarball) and as the image itself, so a rerun
# returns in well under a second. Prints the image reference on stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${ROGER_SERVICES_DIR:-$ROOT/.services}
REGISTRY=${ROGER_REGISTRY:-127.0.0.1:5000}
SUITE=bookworm
MIRROR=${ROGER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=$STATE/node-base
ROOTFS_TAR=$CACHE/rootfs-$SUITE-minbase.tar

say() { printf '[node-base] %s\n' "$*" >&2; }
die() { printf '[node-base] error: %s\n' "$*" >&2; exit 1; }

NODE_BIN=$(command -v node) || die "node is not installed on this machine"
NODE_VERSION=$(node -p process.version)
case "$NODE_VERSION" in v20.*) ;; *) die "need Node 20 on this machine, found $NODE_VERSION" ;; esac
IMAGE=${ROGER_NODE_IMAGE:-$REGISTRY/node-base:${NODE_VERSION#v}-$SUITE}

pushed() {
  local repo=${IMAGE#*/}; repo=${repo%:*}
  curl -fsS -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/$repo/manifests/${IMAGE##*:}" 2>/dev/null
}

if docker image inspect "$IMAGE" >/dev/null 2>&1 && pushed; then echo "$IMAGE"; exit 0; fi

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "need root to install ${missing[*]} (run: sudo apt-get install -y ${missing[*]})"
  say "installing ${missing[*]}"
  mkdir -p "$STATE"
  if [ ! -f "$STATE/.apt-updated" ]; then apt-get update -qq && touch "$STATE/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

make_rootfs_tar() {
  [ -s "$ROOTFS_TAR" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
  command -v debootstrap >/dev/null || apt_install debootstrap
  local dir; dir=$(mktemp -d)
  say "debootstrap --variant=minbase $SUITE (once; cached in $ROOTFS_TAR)"
  if ! debootstrap --variant=minbase "$SUITE" "$dir" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
    rm -rf "$dir"; die "debootstrap failed; see $CACHE/debootstrap.log"
  fi
  # The same suites as the official images, so `apt-get install git` gets security fixes.
  cat >"$dir/etc/apt/sources.list" <<LIST
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
LIST
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log
  tar -C "$dir" --numeric-owner -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$dir"
}

import_image() {
  local dir; dir=$(mktemp -d)
  tar -C "$dir" -xf "$ROOTFS_TAR"
  # Current with the security suite, as the official images are when published; otherwise every image
  # built on this base carries a second copy of each package an install upgrades.
  say "apt-get upgrade in the rootfs"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"; chmod +x "$dir/usr/sbin/policy-rc.d"
  if ! { chroot "$dir" apt-get update -qq && DEBIAN_FRONTEND=noninteractive chroot "$dir" apt-get upgrade -y -qq; } >"$CACHE/upgrade.log" 2>&1; then
    rm -rf "$dir"; die "apt-get upgrade in the rootfs failed; see $CACHE/upgrade.log"
  fi
  chroot "$dir" apt-get clean
  rm -rf "$dir"/var/lib/apt/lists/* "$dir/usr/sbin/policy-rc.d" "$dir"/var/log/apt "$dir"/var/log/*.log
  : >"$dir/etc/resolv.conf"
  local prefix; prefix=$(cd "$(dirname "$NODE_BIN")/.." && pwd)
  mkdir -p "$dir/usr/local/bin" "$dir/usr/local/lib/node_modules" "$dir/usr/local/include"
  cp "$(readlink -f "$NODE_BIN")" "$dir/usr/local/bin/node"
  # Debug symbols are a third of some distributions' binaries; the official one ships without them.
  strip --strip-debug "$dir/usr/local/bin/node" 2>/dev/null || true
  cp -a "$prefix/lib/node_modules/npm" "$dir/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  # Headers let node-gyp compile native modules (better-sqlite3) without downloading them.
  if [ -d "$prefix/include/node" ]; then cp -a "$prefix/include/node" "$dir/usr/local/include/node"; fi
  # The machine's own extra CAs (e.g. a TLS-inspecting proxy's) are trusted here as on the machine:
  # by Node and npm through NODE_EXTRA_CA_CERTS, and by git once an image installs ca-certificates.
  local extra=() ca_env=()
  for crt in /usr/local/share/ca-certificates/*.crt; do [ -f "$crt" ] && extra+=("$crt"); done
  if [ ${#extra[@]} -gt 0 ]; then
    mkdir -p "$dir/usr/local/share/ca-certificates" "$dir/usr/local/share/node-base"
    cp "${extra[@]}" "$dir/usr/local/share/ca-certificates/"
    cat "${extra[@]}" >"$dir/usr/local/share/node-base/extra-ca.crt"
    ca_env=(-c 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/node-base/extra-ca.crt')
  fi
  say "importing $IMAGE (node $NODE_VERSION)"
  tar -C "$dir" --numeric-owner -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "ENV NODE_VERSION=${NODE_VERSION#v}" "${ca_env[@]}" \
    -c 'CMD ["node"]' - "$IMAGE" >/dev/null
  rm -rf "$dir"
}

mkdir -p "$CACHE"
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  make_rootfs_tar
  import_image
fi
docker push -q "$IMAGE" >/dev/null || die "could not push $IMAGE to $REGISTRY"
echo "$IMAGE"
