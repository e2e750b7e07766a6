#!/usr/bin/env bash
# Makes sure a Docker engine with compose v2 answers. On a Debian host as root it installs and starts
# what is missing; anywhere else it names what to install and exits non-zero. Idempotent.
set -euo pipefail

log() { printf 'socklab setup: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

readonly DOCKERD_LOG=/var/log/socklab-dockerd.log
readonly DOCKERD_READY_TIMEOUT_S=60

engine_answers() { docker info >/dev/null 2>&1; }
compose_v2_answers() { docker compose version >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers && compose_v2_answers; then
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

export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1

# The suite of the machine's own Debian mirror, read at run time so that no host name is written here.
debian_mirror_uri() {
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
    awk '$2 !~ /security|updates|backports/ { print $1; exit }'
}

install_engine() {
  log "installing Docker Engine (docker.io) from Debian"
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
}

# bookworm packages only compose v1; trixie's docker-compose (v2) and docker-buildx depend on libc6
# alone, so they are fetched from trixie with a private sources list, leaving the system on bookworm.
install_compose_v2() {
  local mirror work
  mirror=$(debian_mirror_uri)
  [ -n "$mirror" ] || { apt-get update -qq; mirror=$(debian_mirror_uri); }
  [ -n "$mirror" ] || die "cannot read a Debian mirror from apt's sources to fetch compose v2 from"
  work=$(mktemp -d)
  chmod 755 "$work" # apt downloads as the _apt user
  trap 'rm -rf "$work"' RETURN
  mkdir -p "$work/lists/partial" "$work/debs"
  printf 'deb %s trixie main\n' "$mirror" >"$work/sources.list"
  local apt_opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::archives=$work/debs")
  log "installing compose v2 and buildx from Debian trixie ($mirror)"
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work/debs" && apt-get "${apt_opts[@]}" download docker-compose docker-buildx >/dev/null)
  dpkg -i "$work"/debs/*.deb >/dev/null
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
compose_v2_answers || install_compose_v2
engine_answers || start_engine
compose_v2_answers || die "'docker compose version' still fails after installing compose v2"
log "docker engine $(docker version --format '{{.Server.Version}}'), compose $(docker compose version --short)"
