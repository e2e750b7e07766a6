# shellcheck shell=bash
# The versions the project pins, read from package.json so that there is one place to change them.
SOCKLAB_NODE_VERSION=$(sed -n 's/^ *"node": "\([0-9.]*\)",\{0,1\}$/\1/p' package.json)
[ -n "$SOCKLAB_NODE_VERSION" ] || { echo "socklab setup: package.json pins no exact node version" >&2; exit 1; }
# The npm release the local base image carries (the official image has the one its Node bundles);
# npm 11 is the line that Node 24 bundles.
readonly SOCKLAB_NPM_VERSION=11.6.0
readonly SOCKLAB_NODE_VERSION
readonly SOCKLAB_NODE_IMAGE="node:${SOCKLAB_NODE_VERSION}-bookworm-slim"
export SOCKLAB_NODE_VERSION SOCKLAB_NPM_VERSION SOCKLAB_NODE_IMAGE
