#!/usr/bin/env bash
# Makes sure OpenSSH's server binary is there for the lab test of ssh:// hosts
# (lab-tests/cross-host/), which runs an sshd of its own, with a config, host key and
# authorized_keys made at test time, inside one simulated host's network namespace. On a Debian
# host as root it installs Debian's openssh-server without its recommends, and never starts the
# system's ssh service: a policy-rc.d of its own refuses service starts for the length of the
# install (the machine's, if any, is set aside and put back). Elsewhere it says what to do and goes
# on (only that test needs sshd).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

readonly POLICY=/usr/sbin/policy-rc.d

if command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ]; then
  exit 0
fi

if [ "$(id -u)" != 0 ] || [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
  log "no sshd: the lab test of ssh:// hosts (lab-tests/cross-host) needs OpenSSH's server binary; install openssh-server (its service need not run)"
  exit 0
fi

log "installing Debian's openssh-server for the lab test of ssh:// hosts (its service is not started)"
# The machine's own policy (if any) is set aside for the install, since it may allow starts, and put back.
if [ -e "$POLICY" ]; then
  mv "$POLICY" "$POLICY.socklab-saved"
  trap 'mv -f "$POLICY.socklab-saved" "$POLICY"' EXIT
else
  trap 'rm -f "$POLICY"' EXIT
fi
printf '#!/bin/sh\n# socklab setup: no service starts while openssh-server installs\nexit 101\n' >"$POLICY"
chmod 755 "$POLICY"
if ! apt-get install -y -qq --no-install-recommends openssh-server >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
fi
# Where systemd runs, the package enables its units for the next boot: socklab needs only the binary.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
fi
