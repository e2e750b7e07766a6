#!/usr/bin/env bash
# Copies the certificate authorities this machine's npm trusts to .socklab/build-ca.pem, which the
# workbench build mounts as a secret for its npm ci: behind an HTTPS proxy with its own CA, Node's
# built-in list alone would refuse the registry. An empty file where npm names no CA file.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly TARGET=.socklab/build-ca.pem

npm_cafile() {
  local cafile
  cafile=$(npm config get cafile 2>/dev/null || true)
  case "$cafile" in null | undefined | "") cafile=${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-}} ;; esac
  printf '%s' "$cafile"
}

mkdir -p .socklab
cafile=$(npm_cafile)
if [ -n "$cafile" ] && [ -r "$cafile" ]; then
  cmp -s "$cafile" "$TARGET" 2>/dev/null || cp "$cafile" "$TARGET"
else
  [ -f "$TARGET" ] || : >"$TARGET"
fi
