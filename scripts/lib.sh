# shellcheck shell=bash
# Helpers the setup scripts share. Source it; it defines functions only.

log() { printf 'socklab setup: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# The URI of the machine's own Debian mirror (its main suite, not security or updates), read from
# apt at run time so that no host name is written into the repository.
debian_mirror_uri() {
  # shellcheck disable=SC2016 # $(REPO_URI) is apt's own placeholder, not a shell expansion
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
    awk '$2 !~ /security|updates|backports/ { print $1; exit }'
}

export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
