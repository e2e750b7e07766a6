#!/usr/bin/env bash
# Makes sure a Docker engine (25 or newer) with compose v2 answers. On a Debian host as root it
# installs and starts what is missing; anywhere else it names what to install and exits non-zero.
# Idempotent: with everything in place it only asks the engine for its version.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

readonly DOCKERD_LOG=/var/log/socklab-dockerd.log
readonly DOCKERD_READY_TIMEOUT_S=60
# 25 is the first engine that gives internal networks no default route and runs healthchecks at
# their start_interval while a container starts.
readonly MIN_ENGINE_MAJOR=25

engine_answers() { docker info >/dev/null 2>&1; }
compose_v2_answers() { docker compose version >/dev/null 2>&1; }

engine_major() { docker version --format '{{.Server.Version}}' 2>/dev/null | cut -d. -f1; }

check_engine_version() {
  local major
  major=$(engine_major)
  [ "${major:-0}" -ge "$MIN_ENGINE_MAJOR" ] ||
    die "Docker Engine $(docker version --format '{{.Server.Version}}') is too old: socklab needs $MIN_ENGINE_MAJOR or newer (https://docs.docker.com/engine/install/)"
}

if command -v docker >/dev/null 2>&1 && engine_answers && compose_v2_answers; then
  check_engine_version
  exit 0
fi

can_install_here() {
  [ "$(id -u)" = 0 ] && [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1
}

if ! can_install_here; then
  command -v docker >/dev/null 2>&1 || die "no docker client: install Docker Engine with the compose v2 plugin (https://docs.docker.com/engine/install/), then run this again"
  engine_answers || die "the Docker engine does not answer ('docker info' fails): start it, or give your user access to it, then run this again"
  die "'docker compose' (compose v2) is missing: install the docker-compose-plugin package, then run this again"
fi



# bookworm packages Engine 20.10 and only compose v1. trixie's docker.io (26), docker-compose (v2)
# and docker-buildx need nothing newer than bookworm has, so they are fetched from trixie with a
# private sources list and installed with dpkg, leaving the system on bookworm; their dependencies
# (containerd, runc, tini, iptables) come from bookworm itself.
install_from_trixie() {
  local mirror work
  mirror=$(debian_mirror_uri)
  [ -n "$mirror" ] || { apt-get update -qq; mirror=$(debian_mirror_uri); }
  [ -n "$mirror" ] || die "cannot read a Debian mirror from apt's sources to fetch Docker from"
  work=$(mktemp -d)
  chmod 755 "$work" # apt downloads as the _apt user
  trap 'rm -rf "$work"; trap - RETURN' RETURN
  mkdir -p "$work/lists/partial" "$work/debs"
  printf 'deb %s trixie main\n' "$mirror" >"$work/sources.list"
  local apt_opts=(-o APT::Sandbox::User=root -o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::archives=$work/debs")
  log "installing $* from Debian trixie ($mirror)"
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work/debs" && apt-get "${apt_opts[@]}" download "$@" >/dev/null)
  dpkg -i "$work"/debs/*.deb >/dev/null
}

install_engine() {
  log "installing the engine's dependencies (containerd, runc, tini, iptables) from Debian"
  apt-get update -qq
  apt-get install -y -qq containerd runc tini iptables adduser >/dev/null
  install_from_trixie docker.io
}

start_engine() {
  log "starting dockerd (log: $DOCKERD_LOG)"
  nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  local deadline=$((SECONDS + DOCKERD_READY_TIMEOUT_S))
  until engine_answers; do
    [ "$SECONDS" -lt "$deadline" ] || die "dockerd did not answer within ${DOCKERD_READY_TIMEOUT_S} s; see $DOCKERD_LOG"
    sleep 0.5
  done
}

command -v dockerd >/dev/null 2>&1 || install_engine
compose_v2_answers || install_from_trixie docker-compose docker-buildx
engine_answers || start_engine
compose_v2_answers || die "'docker compose version' still fails after installing compose v2"
check_engine_version
log "docker engine $(docker version --format '{{.Server.Version}}'), compose $(docker compose version --short)"
