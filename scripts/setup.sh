#!/usr/bin/env bash
# What both README commands run first: npm dependencies (with the pinned Node), a Docker engine with
# compose v2, and the base images. Each step checks before it acts, so a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly LOCK_STAMP=node_modules/.socklab-lock.sha256

lock_hash() { sha256sum package-lock.json | cut -d' ' -f1; }

if [ ! -f "$LOCK_STAMP" ] || [ "$(cat "$LOCK_STAMP")" != "$(lock_hash)" ]; then
  printf 'socklab setup: installing npm dependencies (npm ci)\n' >&2
  npm ci --no-audit --no-fund --loglevel=error
  lock_hash >"$LOCK_STAMP"
fi
bash scripts/ensure-docker.sh
bash scripts/ensure-base-images.sh
bash scripts/ensure-build-ca.sh
bash scripts/build-web.sh --if-changed
bash scripts/ensure-chromium.sh
bash scripts/ensure-sshd.sh
