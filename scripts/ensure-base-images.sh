#!/usr/bin/env bash
# Makes sure the pinned Node base image exists: pulled from a registry where one answers, otherwise a
# local equivalent under the same reference (Debian bookworm from the machine's apt mirror + the
# pinned Node binary from node_modules + npm), so that one Dockerfile serves both. Idempotent.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")/.."
# shellcheck source=scripts/versions.sh
. scripts/versions.sh

readonly DEBIAN_IMAGE=socklab/debian:bookworm
readonly PULL_TIMEOUT_S=120

have_image() { docker image inspect "$1" >/dev/null 2>&1; }


build_debian_image() {
  command -v debootstrap >/dev/null 2>&1 || { log "installing debootstrap"; apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
  local mirror rootfs
  mirror=$(debian_mirror_uri)
  [ -n "$mirror" ] || die "cannot read a Debian mirror from apt's sources to build $DEBIAN_IMAGE from"
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"; trap - RETURN' RETURN
  log "building $DEBIAN_IMAGE with debootstrap from $mirror (about 30 s)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
}

build_local_node_image() {
  have_image "$DEBIAN_IMAGE" || build_debian_image
  local node_bin context
  node_bin=$(readlink -f node_modules/node/bin/node)
  [ -x "$node_bin" ] || die "node_modules has no Node binary: run 'npm ci' first"
  "$node_bin" --version | grep -qx "v$SOCKLAB_NODE_VERSION" || die "node_modules holds $("$node_bin" --version), expected v$SOCKLAB_NODE_VERSION: run 'npm ci'"
  context=$(mktemp -d)
  trap 'rm -rf "$context"; trap - RETURN' RETURN
  cp "$node_bin" "$context/node"
  (cd "$context" && npm pack --silent "npm@$SOCKLAB_NPM_VERSION" >/dev/null && mv npm-*.tgz npm.tgz)
  cp scripts/base-image/node.Dockerfile "$context/Dockerfile"
  log "building local $SOCKLAB_NODE_IMAGE from $DEBIAN_IMAGE, Node $SOCKLAB_NODE_VERSION and npm $SOCKLAB_NPM_VERSION"
  DOCKER_BUILDKIT=1 docker build --quiet --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" -t "$SOCKLAB_NODE_IMAGE" "$context" >/dev/null
  remove_superseded_local_images
}

# A new pin leaves the local images of earlier pins behind: remove them (an image still used by a
# container is kept, and said so). Images built FROM the base inherit its label: only node:* ones
# are the base's own.
remove_superseded_local_images() {
  local ref
  docker image ls --filter label=org.socklab.local-equivalent=true --filter 'reference=node:*' \
    --format '{{.Repository}}:{{.Tag}}' |
    grep -vxF -e "$SOCKLAB_NODE_IMAGE" -e '<none>:<none>' |
    while read -r ref; do
      if docker image rm "$ref" >/dev/null 2>&1; then log "removed $ref, superseded by $SOCKLAB_NODE_IMAGE"; else log "kept $ref: still in use"; fi
    done || true
}

if have_image "$SOCKLAB_NODE_IMAGE"; then
  exit 0
fi
if timeout "$PULL_TIMEOUT_S" docker pull --quiet "$SOCKLAB_NODE_IMAGE" >/dev/null 2>&1; then
  log "pulled $SOCKLAB_NODE_IMAGE"
  exit 0
fi
log "no registry answers for $SOCKLAB_NODE_IMAGE: building a local equivalent"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  die "cannot pull $SOCKLAB_NODE_IMAGE and cannot build a local one here (needs root on Debian): pull it on a machine with registry access and 'docker load' it"
fi
build_local_node_image
