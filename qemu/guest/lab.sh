# Guest-side helpers of the rxgbe lab: topology, driver load/unload, polling, QEMU monitor requests.
# Sourced by init.sh and by the selftests (through selftests/lib.sh). Bash only.
#
# Topology (the same for every driver and device):
#   root netns: DUT NIC (52:54:00:12:34:56)  192.0.2.1/24  2001:db8::1/64
#   netns peer: virtio-net (52:54:00:12:34:57) 192.0.2.2/24 2001:db8::2/64
# Both NICs sit on one QEMU hub, so every frame one sends reaches the other.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

DUT_MAC=52:54:00:12:34:56
PEER_MAC=52:54:00:12:34:57
DUT_V4=192.0.2.1
PEER_V4=192.0.2.2
DUT_V6=2001:db8::1
PEER_V6=2001:db8::2
PEER_NS=peer
MODDIR=${RXGBE_MODDIR:-/host/build/vm/modules}
DRIVER=${DRIVER:-rxgbe}
DEVICE=${DEVICE:-igb}
# Waits below are generous: under TCG the debug kernel needs seconds per step, more when VMs share cores.
# Where this run may write files the host reads back (build/vm/<name>/ on the host).
OUTDIR=/host/build/vm/${RXGBE_NAME:-vm}

lab_log() { printf '[guest %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# Under TCG the debug kernel needs about 0.3 s to exec a program and 0.15 s to fork, so the helpers the tests
# call in loops use bash builtins only: $EPOCHREALTIME for time, `read` for sysfs files and for sleeping.

# nap SECONDS: sleep without exec'ing sleep(1): a read with a timeout on a FIFO nobody writes to.
nap() {
  if [ -z "${NAP_FD:-}" ]; then
    [ -p /run/lab-nap ] || mkfifo /run/lab-nap 2>/dev/null || [ -p /run/lab-nap ] || { sleep "$1"; return 0; }
    exec {NAP_FD}<>/run/lab-nap
  fi
  read -rt "$1" -u "$NAP_FD" _ || :
}

# wait_for 'shell condition' TIMEOUT_S [interval_s]: poll a condition instead of sleeping blindly.
wait_for() {
  local cond=$1 timeout=${2:-30} interval=${3:-0.2} t end
  t=${EPOCHREALTIME/./}; end=$(( t / 1000 + timeout * 1000 ))
  while :; do
    eval "$cond" >/dev/null 2>&1 && return 0
    t=${EPOCHREALTIME/./}; [ $(( t / 1000 )) -ge "$end" ] && return 1
    [ "$interval" = 0 ] || nap "$interval"
  done
}

# Interface name (root netns by default, or the netns given as $2) of the NIC with MAC $1.
if_by_mac() {
  local mac=$1 ns=${2:-} f a
  if [ -n "$ns" ]; then
    ip -n "$ns" -o link show | awk -v m="$mac" '$0 ~ "link/ether " m {sub(":$","",$2); sub("@.*","",$2); print $2; exit}'
    return
  fi
  for f in /sys/class/net/*/address; do
    read -r a < "$f" 2>/dev/null || continue
    [ "$a" = "$mac" ] && { f=${f%/address}; echo "${f##*/}"; return 0; }
  done
  return 1
}

# Refresh $DUT_IF (its name may change across reloads) and $PEER_IF.
find_ifs() {
  DUT_IF=$(if_by_mac "$DUT_MAC" || true)
  PEER_IF=$(if_by_mac "$PEER_MAC" "$PEER_NS" 2>/dev/null || true)
  [ -n "$PEER_IF" ] || PEER_IF=$(if_by_mac "$PEER_MAC" || true)
  export DUT_IF PEER_IF
}

# Driver bound to the DUT interface (the PCI driver directory its device links to; ethtool -i costs a second).
dut_driver() {
  local d
  for d in /sys/bus/pci/drivers/*; do
    [ "/sys/class/net/$DUT_IF/device/driver" -ef "$d" ] && { echo "${d##*/}"; return 0; }
  done
}

# Module files to insmod for $DRIVER, dependencies first (vm.py lists them in RXGBE_MODULES).
driver_modules() { echo "${RXGBE_MODULES:-$DRIVER}" | tr ',' ' '; }

load_driver() {
  local m args mods; mods=($(driver_modules))
  for m in "${mods[@]}"; do
    # Dependencies stay loaded across reloads; only insert what is missing.
    grep -q "^${m//-/_} " /proc/modules && continue
    # RXGBE_MODARGS (kernel command line, comma-separated) are the driver's module parameters.
    args=(); [ "$m" = "${mods[-1]}" ] && [ -n "${RXGBE_MODARGS:-}" ] && args=(${RXGBE_MODARGS//,/ })
    insmod "$MODDIR/$m.ko" "${args[@]}" || { lab_log "insmod $m.ko ${args[*]} failed"; return 1; }
  done
}

# Unloads only the driver itself (the last module), not its dependencies.
unload_driver() {
  local mods; mods=($(driver_modules))
  timeout -k 5 60 rmmod "${mods[-1]}"
}

# Loads the driver and waits until the DUT interface exists.
bring_driver() {
  load_driver || return 1
  wait_for 'if_by_mac $DUT_MAC' 60 || { lab_log "no interface with MAC $DUT_MAC after insmod"; return 1; }
  find_ifs
}

v6_ready() { # $1 = ip prefix command (e.g. "ip" or "ip -n peer"), $2 = interface
  local out; out=$($1 -6 addr show dev "$2") || return 1
  echo "$out" | grep -q 'inet6 fe80' && ! echo "$out" | grep -q tentative
}

# Addresses, link up, then wait for carrier and usable IPv6 on the DUT side.
setup_dut() {
  find_ifs
  [ -n "$DUT_IF" ] || { lab_log "DUT interface not found"; return 1; }
  # Global addresses only: flushing the link-local one would leave IPv6 without it until the link flaps.
  ip addr flush dev "$DUT_IF" scope global
  ip addr add "$DUT_V4/24" dev "$DUT_IF"
  ip addr add "$DUT_V6/64" dev "$DUT_IF" nodad
  ip link set "$DUT_IF" up
  wait_for '[ "$(cat /sys/class/net/$DUT_IF/carrier 2>/dev/null)" = 1 ]' 60 || { lab_log "DUT $DUT_IF: no carrier"; return 1; }
  wait_for 'v6_ready ip $DUT_IF' 60 || { lab_log "DUT $DUT_IF: IPv6 not ready"; return 1; }
}

# The peer NIC goes into netns $PEER_NS (once) and gets its addresses.
setup_peer() {
  find_ifs
  [ -n "$PEER_IF" ] || { lab_log "peer interface not found"; return 1; }
  if ! ip netns list | grep -qw "$PEER_NS"; then
    ip netns add "$PEER_NS"
    ip -n "$PEER_NS" link set lo up
  fi
  if [ -e "/sys/class/net/$PEER_IF" ]; then
    ip link set "$PEER_IF" netns "$PEER_NS"
  fi
  ip -n "$PEER_NS" addr flush dev "$PEER_IF"
  ip -n "$PEER_NS" addr add "$PEER_V4/24" dev "$PEER_IF"
  ip -n "$PEER_NS" addr add "$PEER_V6/64" dev "$PEER_IF" nodad
  ip -n "$PEER_NS" link set "$PEER_IF" up
  wait_for 'ip -n $PEER_NS link show dev $PEER_IF | grep -q LOWER_UP' 60 || { lab_log "peer: no carrier"; return 1; }
  wait_for 'v6_ready "ip -n $PEER_NS" $PEER_IF' 60 || { lab_log "peer: IPv6 not ready"; return 1; }
}

# Run a command in the peer netns. nsenter only switches the netns: much cheaper under TCG than
# `ip netns exec`, which also makes a mount namespace and remounts /sys (so no /sys/class/net of the peer here).
in_peer() { nsenter --net="/run/netns/$PEER_NS" "$@"; }

# Waits until both ends can actually reach each other (first packets resolve neighbours).
wait_reachable() {
  wait_for "ping -c1 -W1 $PEER_V4" "${1:-30}" 0 && wait_for "ping -6 -c1 -W1 $PEER_V6" "${1:-30}" 0
}

# qemu_monitor 'HMP command': vm.py sees the console line, runs it on the monitor and writes the reply to
# $OUTDIR/monitor.reply. Prints the reply; fails if the host did not answer in time.
qemu_monitor() {
  local cmd=$1 reply=$OUTDIR/monitor.reply try
  for try in 1 2; do  # a console line can be torn by a concurrent printk: ask twice
    rm -f "$reply"
    echo "@@QEMU-MONITOR $cmd@@" > /dev/console
    if wait_for "[ -f $reply ]" 10 0.1; then
      cat "$reply"
      return 0
    fi
  done
  lab_log "no monitor reply for: $cmd"
  return 1
}

# Kernel log lines that mean a bug (the host's vm.py checks the console with the same list).
BAD_KERNEL_RE='WARNING:|BUG:|Oops|KASAN|possible circular locking|inconsistent lock state|lockdep|DMA-API|unreferenced object|refcount_t:|UBSAN|Kernel panic|rust_panic|panicked at|general protection fault|Call Trace'
# Boot-time lines of the debug kernel that match the list but are informational.
BENIGN_KERNEL_RE='DMA-API: preallocated|DMA-API: debugging enabled|RCU lockdep checking is enabled'

dmesg_bad_lines() { dmesg | grep -E "$BAD_KERNEL_RE" | grep -vE "$BENIGN_KERNEL_RE"; }
