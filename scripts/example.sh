#!/usr/bin/env bash
# Builds the bundled example: examples/hello becomes a git repository of its own (Roger builds
# repositories), then `bin/roger build` pushes it to the local registry and the image is run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPO=$(mktemp -d /tmp/roger-example.XXXXXX)
trap 'rm -rf "$REPO"' EXIT
cp -r "$ROOT/examples/hello/." "$REPO/"
git -C "$REPO" init -q -b master
git -C "$REPO" add -A
git -C "$REPO" -c user.name=Roger -c user.email=roger@example.com commit -qm "Example commit"
"$ROOT/bin/roger" build "$REPO" --branch master
docker run --rm 127.0.0.1:5000/hello:latest
