#!/bin/bash
# One instruction profile of one driver (RXGBE_MODE=cmd, started by scripts/iprofile.sh), in the benchmark's
# icount mode: per workload, a window in which QEMU logs every guest instruction it executes (one instruction per
# translation block, `-d exec,nochain`), written to build/iprofile/<driver>-<workload>.trace for the host to
# count. Under icount a guest instruction is what guest time is made of, so these counts are the cost the
# benchmark measures (a `rep movs` counts once per element, as icount charges it).
#   IPROFILE_WINDOW     guest seconds each window is held open (default 0.3)
#   IPROFILE_WORKLOADS  which workloads (default "tcp_rx_1 udp64_rx tcp_rr")
#   IPROFILE_DIR        the host's path of build/iprofile (QEMU, a host process, writes the traces)
. /host/selftests/lib.sh
find_ifs
win=${IPROFILE_WINDOW:-0.3}
dir=${IPROFILE_DIR:?the host path of build/iprofile}
ethtool -K "$DUT_IF" tx on sg on tso on gso on gro on rx on rxhash on >/dev/null 2>&1 || true
ethtool -K "$DUT_IF" lro off >/dev/null 2>&1 || true
sysctl -qw kernel.kptr_restrict=0
iperf3 -s -D -p 5202 --logfile /tmp/iprofile-iperf3.log
in_peer sockperf server --tcp -i "$PEER_V4" -p 11111 --daemonize >/dev/null 2>&1
wait_for "ss -ltn | grep -q ':5202 ' && in_peer ss -ltn | grep -q ':11111 '" 30 ||
  { echo "# iprofile: the iperf3 and sockperf servers did not start"; exit 1; }
in_peer timeout 60 iperf3 -c "$DUT_V4" -p 5202 -t 2 >/dev/null
cat /proc/kallsyms > /host/build/iprofile/$DRIVER.kallsyms

# The window opens and closes without a fork (nap waits with a shell builtin, `[ -f ]` is one): a fork and
# exec would add a million instructions of process set-up to the counts. The window's length counts from the
# host's answer to the command that opens it: until then the guest runs at full speed.
reply=$OUTDIR/monitor.reply
monitor() { echo "@@QEMU-MONITOR $1@@" > /dev/console; }
# Each client runs 8 s (guest time): the window opens after 3 s and the next workload starts after the client
# has ended, so no two workloads overlap.
for w in ${IPROFILE_WORKLOADS:-tcp_rx_1 udp64_rx tcp_rr}; do
  case $w in
    tcp_rx_1) in_peer timeout 120 iperf3 -c "$DUT_V4" -p 5202 -t 8 -P 1 >/dev/null & ;;
    udp64_rx) in_peer timeout 120 iperf3 -c "$DUT_V4" -p 5202 -t 8 -u -b 0 -l 18 -P 2 >/dev/null & ;;
    tcp_rr) timeout 120 sockperf ping-pong --tcp -i "$PEER_V4" -p 11111 -t 8 -m 64 --mps max >/dev/null 2>&1 & ;;
    *) echo "# iprofile: unknown workload $w"; exit 1 ;;
  esac
  pid=$!
  nap 3
  echo "# iprofile: $w window"
  monitor "logfile $dir/$DRIVER-$w.trace"
  monitor "one-insn-per-tb on"
  rm -f "$reply"
  monitor "log exec,nochain"
  while [ ! -f "$reply" ]; do nap 0.01; done
  nap "$win"
  monitor "log none"
  monitor "one-insn-per-tb off"
  wait "$pid" || { echo "# iprofile: the $w client failed"; exit 1; }
done
echo "# iprofile: done"
