#!/usr/bin/env bash
# make iprofile: guest instructions per received packet, by kernel symbol, rxgbe against the in-tree C igb on the
# emulated 82576, in the benchmark's own mode (release kernel, TCG icount). Under icount, guest time is guest
# instructions, so these counts are what `make bench` charges each driver; `make profile` (perf, plain TCG) weighs
# host time instead, where an MMIO access costs its device emulation. One boot per driver runs
# qemu/guest/iprofile.sh: per workload, QEMU logs every instruction for a short window; this script counts them
# per symbol of the guest's /proc/kallsyms and deletes each trace once counted (they are GBs).
# Writes bench/results/<date>-iprofile.md.
#   IPROFILE_WINDOW=S        guest seconds per window (default 0.3)
#   IPROFILE_WORKLOADS="..."  workloads (default "tcp_rx_1 udp64_rx tcp_rr")
set -euo pipefail
. "$(dirname "$0")/common.sh"
KDIR=${KDIR:-$("$RXGBE_ROOT/scripts/kernel.sh" release)}
grep -qx 'CONFIG_KASAN=y' "$KDIR/.config" && die "iprofile: $KDIR is the debug kernel; profiles use the release one"
RXGBE_ROOTFS=${RXGBE_ROOTFS:-$("$RXGBE_ROOT/scripts/rootfs.sh")}
export KDIR RXGBE_ROOTFS
win=${IPROFILE_WINDOW:-0.3}
workloads=${IPROFILE_WORKLOADS:-tcp_rx_1 udp64_rx tcp_rr}
dir="$RXGBE_ROOT/build/iprofile"
rm -rf "$dir" && mkdir -p "$dir"
for drv in rxgbe igb; do
  log "iprofile: $drv, workloads $workloads (log build/vm/iprofile-$drv.log)"
  python3 "$RXGBE_ROOT/scripts/vm.py" --mode cmd --driver "$drv" --device igb --peer e1000e --accel icount \
    --name "iprofile-$drv" --quiet --timeout 3600 \
    --cmd "IPROFILE_DIR=$dir IPROFILE_WINDOW=$win IPROFILE_WORKLOADS='$workloads' bash /host/qemu/guest/iprofile.sh" ||
    die "iprofile: the $drv run failed"
  for w in $workloads; do
    trace="$dir/$drv-$w.trace"
    [ -s "$trace" ] || die "iprofile: no trace for $drv $w"
    log "iprofile: counting $drv $w ($(( $(stat -c %s "$trace") / 1000000 )) MB of trace)"
    python3 "$RXGBE_ROOT/scripts/iprofile-count.py" "$trace" "$dir/$drv.kallsyms" > "$dir/$drv-$w.counts"
    rm -f "$trace"
  done
done
out="$RXGBE_ROOT/bench/results/$(date +%Y-%m-%d-%H%M)-iprofile.md"
python3 "$RXGBE_ROOT/scripts/iprofile-report.py" "$dir" "$workloads" \
  "$(cat "$KDIR/include/config/kernel.release") release build, rxgbe $(git -C "$RXGBE_ROOT" describe --always --dirty), QEMU icount (shift=3, sleep=off), 2 vCPUs, window ${win} s of guest time per workload" \
  > "$out"
log "iprofile: report ${out#"$RXGBE_ROOT"/}"
cat "$out"
