#!/usr/bin/env bash
# A cluster of hosts on one Linux machine: one network namespace per host, all on a private bridge that lives in a
# namespace of its own (nothing is added to the machine's own network), and one cgroup-v1 CPU group per process.
# Needs root and iproute2. Everything a cluster creates is recorded under $FATHOM_NETNS_STATE/<id>/ and removed by
# `down`; `gc` removes every cluster whose owner process has exited (a test host that was killed).
#
#   cluster.sh up <id> <hosts> [owner-pid]   namespaces fathom-<id>-1..<hosts>, addresses 10.77.0.<n>/24
#   cluster.sh run <id> <host> <cpu> -- cmd   exec cmd in host's namespace, held to <cpu> cores (e.g. 0.5; 0 = no limit)
#   cluster.sh link <id> <host> up|down      bring a host's only link up or down
#   cluster.sh pids <id>                     the processes running in the cluster's namespaces
#   cluster.sh down <id>                     kill every process in the cluster, remove namespaces and CPU groups
#   cluster.sh gc                            `down` every cluster whose owner has exited
#   cluster.sh address <host>               print the host's address
set -euo pipefail

STATE=${FATHOM_NETNS_STATE:-/run/fathom-netns}
CGROUP_CPU=${FATHOM_CGROUP_CPU:-/sys/fs/cgroup/cpu}
PERIOD_US=100000

die() { echo "cluster.sh: $*" >&2; exit 2; }
ns() { echo "fathom-$1-$2"; }
address() { echo "10.77.0.$1"; }

check_id() {
  [[ "$1" =~ ^[a-z0-9]{1,8}$ ]] || die "cluster id must be 1-8 of a-z and 0-9 (got '$1')"
}

check_host() {
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ -e "/run/netns/$(ns "$1" "$2")" ] || die "cluster $1 has no host '$2'"
}

up() {
  local id=$1 hosts=$2 owner=${3:-$PPID}
  check_id "$id"
  [[ "$hosts" =~ ^[0-9]+$ ]] && [ "$hosts" -ge 1 ] && [ "$hosts" -le 200 ] || die "hosts must be in [1, 200] (got '$hosts')"
  [ ! -e "$STATE/$id" ] || die "cluster $id exists already; run: cluster.sh down $id"
  mkdir -p "$STATE/$id"
  echo "$owner" > "$STATE/$id/owner"
  local bridge; bridge=$(ns "$id" br)
  ip netns add "$bridge"
  ip -n "$bridge" link add br0 type bridge
  ip -n "$bridge" link set br0 up
  ip -n "$bridge" link set lo up
  for ((h = 1; h <= hosts; h++)); do
    local host; host=$(ns "$id" "$h")
    ip netns add "$host"
    ip link add eth0 netns "$host" type veth peer name "p$h" netns "$bridge"
    ip -n "$bridge" link set "p$h" master br0
    ip -n "$bridge" link set "p$h" up
    ip -n "$host" addr add "$(address "$h")/24" dev eth0
    ip -n "$host" link set eth0 up
    ip -n "$host" link set lo up
  done
  if [ -d "$CGROUP_CPU" ] && mkdir -p "$CGROUP_CPU/fathom-$id" 2>/dev/null; then
    echo "$CGROUP_CPU/fathom-$id" > "$STATE/$id/cgroup"
  fi
}

run() {
  local id=$1 host=$2 cpu=$3
  shift 3
  [ "${1:-}" = "--" ] && shift
  check_id "$id"
  check_host "$id" "$host"
  [ $# -ge 1 ] || die "run needs a command after --"
  [[ "$cpu" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "cpu must be a number of cores such as 0.5 (got '$cpu')"
  local quota; quota=$(awk -v c="$cpu" -v p=$PERIOD_US 'BEGIN { printf "%d", c * p }')
  if [ "$quota" -gt 0 ]; then
    if [ -f "$STATE/$id/cgroup" ]; then
      local group; group="$(cat "$STATE/$id/cgroup")/h$host-$$"
      mkdir -p "$group"
      echo "$PERIOD_US" > "$group/cpu.cfs_period_us"
      echo "$quota" > "$group/cpu.cfs_quota_us"
      echo $$ > "$group/cgroup.procs"
    else
      echo "cluster.sh: no writable cgroup-v1 cpu controller; host $host runs without a CPU limit" >&2
    fi
  fi
  exec ip netns exec "$(ns "$id" "$host")" "$@"
}

link() {
  local id=$1 host=$2 state=$3
  check_id "$id"
  check_host "$id" "$host"
  [[ "$state" == up || "$state" == down ]] || die "link state must be up or down (got '$state')"
  ip -n "$(ns "$id" "$host")" link set eth0 "$state"
}

pids() {
  local id=$1 n
  check_id "$id"
  for n in $(ip netns list | awk '{print $1}' | grep -E "^fathom-$id-" || true); do
    ip netns pids "$n" 2>/dev/null || true
  done
}

down() {
  local id=$1 n group
  check_id "$id"
  # Kill first (the processes hold the namespaces), then remove namespaces and groups.
  for round in 1 2 3; do
    local running; running=$(pids "$id")
    [ -z "$running" ] && break
    kill -CONT $running 2>/dev/null || true
    kill -KILL $running 2>/dev/null || true
    sleep 0.2
  done
  for n in $(ip netns list | awk '{print $1}' | grep -E "^fathom-$id-" || true); do
    ip netns del "$n" 2>/dev/null || true
  done
  if [ -f "$STATE/$id/cgroup" ]; then
    local root; root=$(cat "$STATE/$id/cgroup")
    for group in "$root"/*/; do
      [ -d "$group" ] || continue
      local left; left=$(cat "$group/cgroup.procs" 2>/dev/null || true)
      [ -n "$left" ] && kill -KILL $left 2>/dev/null || true
      rmdir "$group" 2>/dev/null || true
    done
    rmdir "$root" 2>/dev/null || true
  fi
  rm -rf "${STATE:?}/$id"
}

gc() {
  [ -d "$STATE" ] || return 0
  local dir
  for dir in "$STATE"/*/; do
    [ -d "$dir" ] || continue
    local id; id=$(basename "$dir")
    local owner; owner=$(cat "$dir/owner" 2>/dev/null || echo 0)
    if ! kill -0 "$owner" 2>/dev/null; then down "$id"; fi
  done
}

command -v ip >/dev/null || die "needs iproute2 (apt-get install iproute2)"
case "${1:-}" in
  up) [ $# -ge 3 ] || die "usage: up <id> <hosts> [owner-pid]"; up "$2" "$3" "${4:-$PPID}" ;;
  run) [ $# -ge 5 ] || die "usage: run <id> <host> <cpu> -- cmd..."; shift; run "$@" ;;
  link) [ $# -eq 4 ] || die "usage: link <id> <host> up|down"; link "$2" "$3" "$4" ;;
  pids) [ $# -eq 2 ] || die "usage: pids <id>"; pids "$2" ;;
  down) [ $# -eq 2 ] || die "usage: down <id>"; down "$2" ;;
  gc) gc ;;
  address) [ $# -eq 2 ] || die "usage: address <host>"; address "$2" ;;
  *) die "usage: cluster.sh up|run|link|pids|down|gc|address ... (see the head of this file)" ;;
esac
