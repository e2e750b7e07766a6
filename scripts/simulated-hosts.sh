#!/usr/bin/env bash
# Simulated Docker hosts on one machine, for the cross-host lab tests (root only):
#   simulated-hosts.sh up [N]          N hosts (default 3), each a network namespace with its own dockerd
#   simulated-hosts.sh down            stops every engine by PID and removes all it made, even after a killed run
#   simulated-hosts.sh status          the hosts file and which engines answer
#   simulated-hosts.sh tls-hosts       the hosts file naming the engines by tcp:// with TLS
#   simulated-hosts.sh partition A B   drops all traffic between hosts A and B on the simulated link
#   simulated-hosts.sh heal            removes every partition
#   simulated-hosts.sh memory          PSS of each engine (dockerd, its containerd and shims), in MiB
#   simulated-hosts.sh sshd HOST PORT  an OpenSSH server in HOST's namespace on its address:PORT, whose
#                                      sessions reach HOST's engine; prints its folder (keys, known_hosts)
#   simulated-hosts.sh sshd-stop HOST  stops that server by PID and removes its folder
# Hosts 1..N-1 sit on a switch (a bridge, subnet A); with N >= 3 the last one sits behind a router on
# subnet B. Nothing has a default route, so no engine can reach anything but the other hosts.
# Each engine also listens on tcp://<its address>:2376 with TLS (a CA and certificates made by
# openssl at `up`, kept under /run/$SLX_PREFIX only), reached from this machine through a management
# port on the switch: hosts-tls.json names the hosts that way, as real remote engines are named.
# Every name starts with $SLX_PREFIX (default slx): netns, engines' sockets, data roots, cgroups;
# its subnets are 192.168.231/232 for slx, SLX_SUBNET_A/B or a pair derived from the prefix otherwise.
set -euo pipefail

readonly PREFIX=${SLX_PREFIX:-slx}
readonly STATE_DIR=/run/$PREFIX
readonly DATA_DIR=/var/lib/$PREFIX
readonly SWITCH_NS=$PREFIX-sw
readonly ROUTER_NS=$PREFIX-rt
# The management port puts subnet A in this machine's routing table, so two sets of simulated hosts
# (a soak beside the lab tests) need subnets of their own: SLX_SUBNET_A/B, or for another prefix a
# pair chosen from its name (192.168.100-199).
default_subnet() {
  if [ "$PREFIX" = slx ]; then
    echo "192.168.$((231 + $1))"
  else
    echo "192.168.$((100 + ($(printf %s "$PREFIX" | cksum | cut -d' ' -f1) % 50) * 2 + $1))"
  fi
}
readonly SUBNET_A=${SLX_SUBNET_A:-$(default_subnet 0)}
readonly SUBNET_B=${SLX_SUBNET_B:-$(default_subnet 1)}
readonly MGMT_LINK=$PREFIX-mgmt
readonly MGMT_ADDRESS=$SUBNET_A.2
readonly TLS_PORT=2376
readonly TLS_DIR=$STATE_DIR/tls
readonly TLS_DAYS=2
readonly ENGINE_ANSWER_TIMEOUT_S=60
# A swarm manager's engine can spend most of a minute shutting down; its containers are gone by
# then and its data root is deleted next, so it gets a few seconds before SIGKILL.
readonly ENGINE_STOP_TIMEOUT_S=5
readonly CGROUP_REMOVE_TIMEOUT_S=10
readonly SSHD_STOP_TIMEOUT_S=5

die() {
  echo "simulated-hosts: $*" >&2
  exit 1
}

host_ns() { echo "$PREFIX-h$1"; }
host_socket() { echo "unix://$STATE_DIR/h$1.sock"; }
host_pidfile() { echo "$STATE_DIR/h$1.pid"; }

# Host n's subnet and address: the last of N >= 3 hosts is behind the router.
host_subnet() {
  local n=$1 count=$2
  if [ "$count" -ge 3 ] && [ "$n" -eq "$count" ]; then echo "$SUBNET_B"; else echo "$SUBNET_A"; fi
}
host_address() { echo "$(host_subnet "$1" "$2").$((10 + $1))"; }

require_root() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces and a dockerd per host)"
  command -v dockerd >/dev/null || die "needs dockerd on PATH"
}

make_switch() {
  ip netns add "$SWITCH_NS"
  ip -n "$SWITCH_NS" link set lo up
  local bridge
  for bridge in br-a br-b; do
    ip -n "$SWITCH_NS" link add "$bridge" type bridge
    ip -n "$SWITCH_NS" link set "$bridge" up
  done
}

# This machine's own port on subnet A, so that the engines' TLS endpoints can be reached from here.
# It goes with the switch's namespace (its veth peer is there).
make_management_link() {
  ip link add "$MGMT_LINK" type veth peer name mgmt netns "$SWITCH_NS"
  ip -n "$SWITCH_NS" link set mgmt master br-a up
  ip addr add "$MGMT_ADDRESS/24" dev "$MGMT_LINK"
  ip link set "$MGMT_LINK" up
}

# A throwaway CA, a server certificate per host (its address as IP SAN) and one client certificate
# (ca.pem, cert.pem, key.pem in $TLS_DIR/client, as DOCKER_CERT_PATH wants them).
make_tls() {
  local count=$1 n
  mkdir -p "$TLS_DIR/client"
  (
    cd "$TLS_DIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$TLS_DAYS" \
      -subj "/CN=$PREFIX simulated hosts CA" -keyout ca-key.pem -out ca.pem 2>/dev/null
    sign() { # name, subject, extensions
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" \
        -keyout "$1-key.pem" -out "$1.csr" 2>/dev/null
      printf '%s\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days "$TLS_DAYS" \
        -extfile "$1.ext" -out "$1-cert.pem" 2>/dev/null
    }
    for n in $(seq 1 "$count"); do
      sign "h$n" "h$n" "subjectAltName=IP:$(host_address "$n" "$count")
extendedKeyUsage=serverAuth"
    done
    sign client client "extendedKeyUsage=clientAuth"
    cp ca.pem client/ca.pem
    mv client-cert.pem client/cert.pem
    mv client-key.pem client/key.pem
  )
}

# A veth pair: one end as eth<i> in netns $1, the other a port of bridge $2 in the switch.
plug() {
  local ns=$1 bridge=$2 port=$3 ifname=$4 address=$5
  ip -n "$SWITCH_NS" link add "$port" type veth peer name "$ifname" netns "$ns"
  ip -n "$SWITCH_NS" link set "$port" master "$bridge" up
  ip -n "$ns" addr add "$address/24" dev "$ifname"
  ip -n "$ns" link set "$ifname" up
}

make_router() {
  ip netns add "$ROUTER_NS"
  ip -n "$ROUTER_NS" link set lo up
  plug "$ROUTER_NS" br-a rt-a eth0 "$SUBNET_A.1"
  plug "$ROUTER_NS" br-b rt-b eth1 "$SUBNET_B.1"
  ip netns exec "$ROUTER_NS" sysctl -qw net.ipv4.ip_forward=1
}

make_host_netns() {
  local n=$1 count=$2 ns subnet
  ns=$(host_ns "$n")
  subnet=$(host_subnet "$n" "$count")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  if [ "$subnet" = "$SUBNET_B" ]; then
    plug "$ns" br-b "sw-h$n" eth0 "$(host_address "$n" "$count")"
    ip -n "$ns" route add "$SUBNET_A.0/24" via "$SUBNET_B.1"
  else
    plug "$ns" br-a "sw-h$n" eth0 "$(host_address "$n" "$count")"
    [ "$count" -lt 3 ] || ip -n "$ns" route add "$SUBNET_B.0/24" via "$SUBNET_A.1"
  fi
}

# The root namespace's cgroup mounts as "type options mountpoint" lines: `ip netns exec` remounts
# /sys for the netns, which hides them, so each engine mounts the same ones again.
cgroup_mounts() {
  awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
         if ($(i+1) == "cgroup" || $(i+1) == "cgroup2") print $(i+1), $(i+3), $5 }' /proc/self/mountinfo
}

start_engine() {
  local n=$1 count=$2 ns mounts
  ns=$(host_ns "$n")
  mounts=$(cgroup_mounts)
  mkdir -p "$STATE_DIR/h$n" "$DATA_DIR/h$n"
  echo '{}' >"$STATE_DIR/h$n.json"
  # --uts: each engine is its own swarm node name. setsid: the engine outlives this script.
  # shellcheck disable=SC2016 # the inner script reads its own positional parameters
  ip netns exec "$ns" setsid unshare --uts sh -c '
    set -e
    hostname "$1"
    if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
      mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
      echo "$2" | while read -r type options point; do
        mkdir -p "$point"; mount -t "$type" -o "$options" "$type" "$point"; done
    fi
    exec dockerd --config-file "$3/$4.json" -H "unix://$3/$4.sock" --pidfile "$3/$4.pid" \
      --data-root "$5" --exec-root "$3/$4" --cgroup-parent "/$1" \
      -H "tcp://$6" --tlsverify --tlscacert "$7/ca.pem" --tlscert "$7/$4-cert.pem" --tlskey "$7/$4-key.pem"
  ' sh "$ns" "$mounts" "$STATE_DIR" "h$n" "$DATA_DIR/h$n" "$(host_address "$n" "$count"):$TLS_PORT" "$TLS_DIR" \
    >>"$STATE_DIR/h$n.log" 2>&1 </dev/null &
}

wait_for_engine() {
  local n=$1 deadline=$((SECONDS + ENGINE_ANSWER_TIMEOUT_S))
  until docker -H "$(host_socket "$n")" version >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -20 "$STATE_DIR/h$n.log" >&2
      die "host h$n: its engine did not answer within $ENGINE_ANSWER_TIMEOUT_S s"
    fi
    sleep 0.1
  done
}

# hosts.json names each engine by its unix socket; hosts-tls.json by tcp:// with TLS (the hosts on
# subnet A only: this machine's management port reaches no further).
# The hosts on subnet A, which this machine's management port reaches: all but the routed one.
tls_host_count() {
  if [ "$1" -ge 3 ]; then echo $(($1 - 1)); else echo "$1"; fi
}

write_hosts_file() {
  local count=$1 n tls_count
  tls_count=$(tls_host_count "$count")
  {
    echo '{ "hosts": ['
    for n in $(seq 1 "$count"); do
      printf '  { "name": "h%s", "dockerHost": "%s", "advertiseAddress": "%s", "subnet": "%s.0/24" }%s\n' \
        "$n" "$(host_socket "$n")" "$(host_address "$n" "$count")" "$(host_subnet "$n" "$count")" \
        "$([ "$n" -lt "$count" ] && echo ,)"
    done
    echo '] }'
  } >"$STATE_DIR/hosts.json"
  {
    echo '{ "hosts": ['
    for n in $(seq 1 "$tls_count"); do
      printf '  { "name": "h%s", "dockerHost": "tcp://%s:%s", "tlsCertPath": "%s", "advertiseAddress": "%s" }%s\n' \
        "$n" "$(host_address "$n" "$count")" "$TLS_PORT" "$TLS_DIR/client" "$(host_address "$n" "$count")" \
        "$([ "$n" -lt "$tls_count" ] && echo ,)"
    done
    echo '] }'
  } >"$STATE_DIR/hosts-tls.json"
}

wait_for_tls_engine() {
  local n=$1 count=$2 deadline=$((SECONDS + ENGINE_ANSWER_TIMEOUT_S))
  until docker -H "tcp://$(host_address "$n" "$count"):$TLS_PORT" --tlsverify --tlscacert "$TLS_DIR/client/ca.pem" \
    --tlscert "$TLS_DIR/client/cert.pem" --tlskey "$TLS_DIR/client/key.pem" version >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "host h$n: its engine did not answer on tcp+TLS within $ENGINE_ANSWER_TIMEOUT_S s"
    fi
    sleep 0.1
  done
}

cmd_up() {
  local count=${1:-3} n
  require_root
  if [ "$count" -lt 1 ] || [ "$count" -gt 9 ]; then die "between 1 and 9 hosts, not $count"; fi
  [ ! -e "/run/netns/$SWITCH_NS" ] || die "already up (run down first)"
  mkdir -p "$STATE_DIR"
  make_switch
  make_management_link
  [ "$count" -lt 3 ] || make_router
  for n in $(seq 1 "$count"); do make_host_netns "$n" "$count"; done
  make_tls "$count"
  for n in $(seq 1 "$count"); do start_engine "$n" "$count"; done
  for n in $(seq 1 "$count"); do wait_for_engine "$n"; done
  write_hosts_file "$count"
  for n in $(seq 1 "$(tls_host_count "$count")"); do wait_for_tls_engine "$n" "$count"; done
  cat "$STATE_DIR/hosts.json"
}

# A PID that is still host h<n>'s engine (the pidfile may be stale after a reboot or a killed run).
engine_pid() {
  local n=$1 pidfile pid
  pidfile=$(host_pidfile "$n")
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$STATE_DIR/h$n.sock"; then
    echo "$pid"
  fi
}

wait_gone() {
  local pid=$1 deadline=$((SECONDS + ENGINE_STOP_TIMEOUT_S))
  while [ -d "/proc/$pid" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  [ ! -d "/proc/$pid" ] || kill -KILL "$pid" 2>/dev/null || true
}

# Every process left in host n's cgroups (containers, shims), killed by PID, then the cgroups removed.
kill_host_cgroups() {
  local n=$1 dir pid
  for dir in /sys/fs/cgroup/*/"$PREFIX-h$n" /sys/fs/cgroup/"$PREFIX-h$n"; do
    [ -d "$dir" ] || continue
    find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do
      kill -KILL "$pid" 2>/dev/null || true
    done
    remove_cgroup "$dir"
  done
}

# A killed process leaves its cgroup a moment later: retry the removal (deepest first) until a deadline.
remove_cgroup() {
  local dir=$1 deadline=$((SECONDS + CGROUP_REMOVE_TIMEOUT_S))
  while [ -d "$dir" ]; do
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ -d "$dir" ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "simulated-hosts: could not remove the cgroup $dir" >&2
      return 0
    fi
    sleep 0.1
  done
}

# containerd and shims that outlived their engine, found by this host's own exec-root path.
kill_host_leftovers() {
  local n=$1 proc
  for proc in /proc/[0-9]*; do
    if tr '\0' ' ' 2>/dev/null <"$proc/cmdline" | grep -q -- "$STATE_DIR/h$n/"; then
      kill -KILL "${proc#/proc/}" 2>/dev/null || true
    fi
  done
}

stop_engine() {
  local n=$1 pid
  pid=$(engine_pid "$n")
  if [ -n "$pid" ]; then
    # Killing the containers first spares dockerd their stop grace periods on shutdown.
    docker -H "$(host_socket "$n")" ps -aq 2>/dev/null | xargs -r docker -H "$(host_socket "$n")" rm -f >/dev/null 2>&1 || true
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid"
  fi
  kill_host_leftovers "$n"
  kill_host_cgroups "$n"
}

known_hosts() {
  local found=""
  [ -d "$STATE_DIR" ] && found=$(find "$STATE_DIR" -maxdepth 1 -name 'h*.pid' -printf '%f\n' | sed 's/^h\([0-9]*\)\.pid$/\1/')
  found="$found $(ip netns list | awk -v p="$PREFIX-h" 'index($1, p) == 1 { print substr($1, length(p) + 1) }')"
  [ -d "$DATA_DIR" ] && found="$found $(find "$DATA_DIR" -mindepth 1 -maxdepth 1 -name 'h*' -printf '%f\n' | sed 's/^h//')"
  echo "$found" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -un
}

# An sshd of one host: its own config, host key, client key and authorized_keys, made now under
# $STATE_DIR/sshd-HOST (root's only), never the machine's ssh service. SetEnv points the sessions'
# `docker system dial-stdio` at this host's engine, as a remote user's default engine would be.
cmd_sshd() {
  require_root
  local name=${1:-} port=${2:-} address dir
  if [ -z "$name" ] || [ -z "$port" ]; then die "usage: sshd HOST PORT"; fi
  command -v sshd >/dev/null || die "needs OpenSSH's sshd on PATH (scripts/ensure-sshd.sh installs it)"
  address=$(address_of "$name")
  dir=$STATE_DIR/sshd-$name
  [ ! -e "$dir" ] || die "an sshd of $name already runs (sshd-stop $name first)"
  mkdir -m 700 "$dir"
  ssh-keygen -q -t ed25519 -N '' -C "$PREFIX-$name host" -f "$dir/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C "$PREFIX client" -f "$dir/id_ed25519"
  cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
  printf '[%s]:%s %s\n' "$address" "$port" "$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >"$dir/known_hosts"
  cat >"$dir/sshd_config" <<CONFIG
ListenAddress $address:$port
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
AuthenticationMethods publickey
PermitRootLogin prohibit-password
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
X11Forwarding no
AllowTcpForwarding no
SetEnv DOCKER_HOST=$(host_socket "${name#h}")
CONFIG
  # sshd refuses to start without its privilege-separation folder (the package makes it at boot).
  mkdir -p /run/sshd
  # sshd listens before it detaches, so the port answers once this returns.
  ip netns exec "$(host_ns "${name#h}")" "$(command -v sshd)" -f "$dir/sshd_config" -E "$dir/sshd.log"
  echo "$dir"
}

# The PID of a running sshd of ours (its command line names its own config).
sshd_pid() {
  local dir=$1 pid
  [ -f "$dir/sshd.pid" ] || return 0
  pid=$(cat "$dir/sshd.pid")
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$dir/sshd_config"; then
    echo "$pid"
  fi
}

stop_sshd() {
  local dir=$1 pid deadline=$((SECONDS + SSHD_STOP_TIMEOUT_S))
  pid=$(sshd_pid "$dir")
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    while [ -d "/proc/$pid" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    [ ! -d "/proc/$pid" ] || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

cmd_sshd_stop() {
  require_root
  [ -n "${1:-}" ] || die "usage: sshd-stop HOST"
  stop_sshd "$STATE_DIR/sshd-$1"
}

cmd_down() {
  require_root
  local n ns pid dir
  for dir in "$STATE_DIR"/sshd-*; do
    [ ! -d "$dir" ] || stop_sshd "$dir"
  done
  # In parallel: each engine may take its whole stop timeout.
  local stopping=()
  for n in $(known_hosts); do
    stop_engine "$n" &
    stopping+=("$!")
  done
  for pid in "${stopping[@]}"; do wait "$pid" || true; done
  for n in $(known_hosts); do kill_host_leftovers "$n"; done
  for ns in $(ip netns list | awk -v p="$PREFIX-" 'index($1, p) == 1 { print $1 }'); do
    ip netns del "$ns"
  done
  ip link del "$MGMT_LINK" 2>/dev/null || true
  # Engines mount in their own mount namespaces; anything seen here would be a leak to undo first.
  awk -v d="$DATA_DIR/" -v s="$STATE_DIR/" 'index($2, d) == 1 || index($2, s) == 1 { print $2 }' /proc/self/mounts |
    sort -r | while read -r point; do umount -l "$point" || true; done
  rm -rf "$DATA_DIR" "$STATE_DIR"
  echo "simulated hosts removed"
}

cmd_status() {
  [ -f "$STATE_DIR/hosts.json" ] || {
    echo "no simulated hosts"
    return 0
  }
  cat "$STATE_DIR/hosts.json"
  local n
  for n in $(known_hosts); do
    printf 'h%s: %s\n' "$n" "$(docker -H "$(host_socket "$n")" info --format '{{.Name}} swarm={{.Swarm.LocalNodeState}}' 2>&1 || true)"
  done
}

address_of() {
  local name=$1
  [ -f "$STATE_DIR/hosts.json" ] || die "no simulated hosts"
  grep -o "\"name\": \"$name\", \"dockerHost\": \"[^\"]*\", \"advertiseAddress\": \"[^\"]*\"" "$STATE_DIR/hosts.json" |
    sed 's/.*"advertiseAddress": "\([^"]*\)"/\1/' | grep . || die "no host named $name"
}

# Drops frames between the two hosts' addresses where they cross the switch (routed ones included).
cmd_partition() {
  require_root
  if [ -z "$1" ] || [ -z "$2" ]; then die "usage: partition HOST_A HOST_B"; fi
  local a b
  a=$(address_of "$1")
  b=$(address_of "$2")
  ip netns exec "$SWITCH_NS" nft -f - <<EOF
table bridge ${PREFIX}_partition {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr $a ip daddr $b drop
    ip saddr $b ip daddr $a drop
  }
}
EOF
}

cmd_heal() {
  require_root
  ip netns exec "$SWITCH_NS" nft delete table bridge "${PREFIX}_partition" 2>/dev/null || true
}

pss_kib() {
  local pid total=0 value
  for pid in "$@"; do
    value=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${value:-0}))
  done
  echo "$total"
}

cmd_memory() {
  local n pid total=0 kib pids proc
  for n in $(known_hosts); do
    pid=$(engine_pid "$n")
    [ -n "$pid" ] || continue
    pids=$pid
    for proc in /proc/[0-9]*; do
      if tr '\0' ' ' 2>/dev/null <"$proc/cmdline" | grep -q -- "$STATE_DIR/h$n/"; then pids="$pids ${proc#/proc/}"; fi
    done
    # shellcheck disable=SC2086 # one PID per word
    kib=$(pss_kib $pids)
    total=$((total + kib))
    printf 'h%s: %d MiB (%d processes)\n' "$n" $((kib / 1024)) "$(echo "$pids" | wc -w)"
  done
  printf 'total: %d MiB\n' $((total / 1024))
}

case "${1:-}" in
  up) cmd_up "${2:-3}" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  tls-hosts) cat "$STATE_DIR/hosts-tls.json" ;;
  partition) cmd_partition "${2:-}" "${3:-}" ;;
  heal) cmd_heal ;;
  memory) cmd_memory ;;
  sshd) cmd_sshd "${2:-}" "${3:-}" ;;
  sshd-stop) cmd_sshd_stop "${2:-}" ;;
  *) die "usage: simulated-hosts.sh up [N] | down | status | tls-hosts | partition A B | heal | memory | sshd HOST PORT | sshd-stop HOST" ;;
esac
