#!/usr/bin/env bash
# Makes sure a Chromium is there for the browser test of the live page (lab-tests/web/), which
# drives it with playwright-core: Playwright's own browser downloads are not used. On a Debian host
# as root it installs Debian's `chromium` without its recommends; elsewhere it says what to do
# and goes on (only the browser test needs it). SOCKLAB_CHROMIUM names another binary.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if [ -n "${SOCKLAB_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" != 0 ] || [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
  log "no chromium: the browser test of the live page (lab-tests/web) needs one; install Chromium, or set SOCKLAB_CHROMIUM to its path"
  exit 0
fi

log "installing Debian's chromium for the browser test of the live page"
if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
