#!/usr/bin/env bash
# Builds the live page (web/page, Preact components bundled by Vite) into dist/page, which
# `socklab web` serves. setup.sh runs it when the page's sources changed since the last build;
# build-package.sh runs it for the npm package. Needs the devDependencies (vite, preact).
set -euo pipefail
cd "$(dirname "$0")/.."
readonly STAMP=dist/page/.sources.sha256

sources_hash() {
  find web/page web/vite.config.ts web/server/page-events.ts -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

if [ "${1:-}" = "--if-changed" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(sources_hash)" ]; then
  exit 0
fi
printf 'socklab setup: building the live page (vite build into dist/page)\n' >&2
node_modules/.bin/vite build --config web/vite.config.ts
sources_hash >"$STAMP"
