#!/bin/bash
# PID 1 of the lab guest (exec'd by the rootfs's /sbin/rxgbe-init after /proc, /sys, /dev and /host are mounted).
# Sets up the DUT/peer topology, runs the mode asked on the kernel command line (RXGBE_MODE=demo|test|shell|
# kselftest|cmd), checks kmemleak, prints @@RXGBE-RESULT PASS|FAIL@@ and powers off. Must never hang: every
# long step runs under `timeout`, and vm.py kills the VM if the guest overruns anyway.
. /host/qemu/guest/lab.sh

echo "@@RXGBE-BOOTED@@"
lab_log "init: mode=${RXGBE_MODE:-?} driver=$DRIVER device=$DEVICE kernel=$(uname -r)"
export RXGBE_MODE DRIVER DEVICE RXGBE_NAME RXGBE_MODULES HOME=/root TERM=${TERM:-linux}
# Plain output in the console log (iproute2 colours a tty by default); shell mode sets TERM back.
[ "$RXGBE_MODE" = shell ] || export TERM=dumb NO_COLOR=1

finish() { # $1 = PASS or FAIL
  local result=$1 leaks
  if [ -w /sys/kernel/debug/kmemleak ]; then
    lab_log "kmemleak: scanning"
    # Two scans: an object is reported only once it has been unreferenced for a whole scan.
    timeout 300 sh -c 'echo scan > /sys/kernel/debug/kmemleak; echo scan > /sys/kernel/debug/kmemleak'
    leaks=$(cat /sys/kernel/debug/kmemleak)
    if [ -n "$leaks" ]; then
      echo "$leaks" | head -n 200
      lab_log "kmemleak: leaks found"
      result=FAIL
    else
      lab_log "kmemleak: clean"
    fi
  fi
  bad=$(dmesg_bad_lines)
  if [ -n "$bad" ]; then
    lab_log "kernel log not clean:"; echo "$bad" | head -n 50
    result=FAIL
  fi
  echo "$result" > "$OUTDIR/result" 2>/dev/null
  sync
  echo "@@RXGBE-RESULT $result@@"
  busybox poweroff -f
  exit 1  # not reached unless poweroff failed: PID 1 exiting panics, and panic=-1 ends QEMU
}

mountpoint -q /tmp || mount -t tmpfs -o mode=1777 tmpfs /tmp
mountpoint -q /run || mount -t tmpfs -o mode=755 tmpfs /run
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts 2>/dev/null; mount -t tmpfs tmpfs /dev/shm 2>/dev/null
# devtmpfs has no /dev/fd: bash process substitution needs it.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config 2>/dev/null
mkdir -p /run/netns "$OUTDIR"
hostname rxgbe-lab
ip link set lo up
# Boot-time objects (not ours) must not be blamed on the driver: forget them before it loads.
[ -w /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak
lab_log "init: mounts done"

setup() {
  # The DUT first: until its driver enables RX, QEMU's hub would hold the peer's frames.
  bring_driver || return 1
  lab_log "setup: driver loaded, DUT $DUT_IF"
  setup_dut || return 1
  lab_log "setup: DUT up with carrier"
  setup_peer || return 1
  lab_log "setup: peer up"
  lab_log "DUT $DUT_IF driver=$(dut_driver) | peer $PEER_IF in netns $PEER_NS"
  [ "$(dut_driver)" = "$DRIVER" ] || { lab_log "DUT is bound to '$(dut_driver)', not $DRIVER"; return 1; }
  wait_reachable 30 || { lab_log "peer not reachable"; return 1; }
}

# Time left for the mode's work: leave room for the kmemleak scan before the host's hard timeout.
budget=$(( ${RXGBE_TIMEOUT:-1500} - 150 ))
[ "$budget" -gt 60 ] || budget=60

if ! timeout 600 bash -c '. /host/qemu/guest/lab.sh; '"$(declare -f setup)"'; setup'; then
  lab_log "setup failed"
  ip -br link; ip -br addr; dmesg | tail -n 30
  [ "$RXGBE_MODE" = shell ] || finish FAIL
fi
find_ifs
export DUT_IF PEER_IF
# Names the upstream kselftests (drivers/net/lib/py/env.py) read.
export NETIF=$DUT_IF LOCAL_V4=$DUT_V4 REMOTE_V4=$PEER_V4 LOCAL_V6=$DUT_V6 REMOTE_V6=$PEER_V6
export REMOTE_TYPE=netns REMOTE_ARGS=$PEER_NS KSFT_MACHINE_SLOW=yes

rc=0
case "${RXGBE_MODE:-shell}" in
  demo) timeout "$budget" /host/qemu/guest/demo.sh || rc=1 ;;
  test)
    timeout "$budget" /host/selftests/run.sh || rc=1
    # RXGBE_KSFT=1: the upstream kselftests of build/kselftest/<driver>-<device>.conf follow in the same boot.
    if [ "${RXGBE_KSFT:-0}" = 1 ]; then /host/qemu/guest/kselftest.sh || rc=1; fi ;;
  kselftest)
    if [ -x /host/qemu/guest/kselftest.sh ]; then timeout "$budget" /host/qemu/guest/kselftest.sh || rc=1
    else lab_log "qemu/guest/kselftest.sh missing"; rc=1; fi ;;
  cmd)
    # vm.py writes the command to a file: no quoting trouble on the kernel command line.
    if [ -f "$OUTDIR/cmd" ]; then timeout "$budget" bash -c ". /host/qemu/guest/lab.sh; . $OUTDIR/cmd" || rc=1
    else timeout "$budget" bash -c "${RXGBE_CMD:-true}" || rc=1; fi ;;
  shell)
    lab_log "shell: DUT=$DUT_IF, peer=$PEER_IF in netns $PEER_NS ('ip netns exec peer bash'); exit to power off"
    setsid -c -w bash -l -i </dev/ttyS0 >/dev/ttyS0 2>&1 ;;
  *) lab_log "unknown RXGBE_MODE=$RXGBE_MODE"; rc=1 ;;
esac
[ "$rc" = 0 ] && finish PASS || finish FAIL
