#!/usr/bin/env bash
# make profile: where the guest spends its instructions while receiving, rxgbe against the in-tree C igb on the
# emulated 82576 in one run (issue: receive is behind igb in `make bench`). Same topology and kernel as `make
# bench`, but plain TCG instead of icount: under icount every cpu-clock sample landed in the idle loop (measured:
# 99.7% in pv_native_safe_halt with a busy loop running), so the samples are host time spent on guest work,
# including the device emulation an MMIO access runs. Each driver's boot runs qemu/guest/profile.sh (perf record
# of the whole guest). Writes bench/results/<date>-profile.md: per workload, the top symbols of each driver.
#   PROFILE_SECONDS=N  length of each recording (default 8)
set -euo pipefail
. "$(dirname "$0")/common.sh"
secs=${PROFILE_SECONDS:-8}
KDIR=${KDIR:-$("$RXGBE_ROOT/scripts/kernel.sh" release)}
grep -qx 'CONFIG_KASAN=y' "$KDIR/.config" && die "profile: $KDIR is the debug kernel; profiles use the release one"
RXGBE_ROOTFS=${RXGBE_ROOTFS:-$("$RXGBE_ROOT/scripts/rootfs.sh")}
export KDIR RXGBE_ROOTFS
work="$RXGBE_ROOT/build/profile"
rm -rf "$work" && mkdir -p "$work"
for drv in rxgbe igb; do
  log "profile: $drv (log build/vm/profile-$drv.log)"
  python3 "$RXGBE_ROOT/scripts/vm.py" --mode cmd --driver "$drv" --device igb --peer e1000e \
    --name "profile-$drv" --quiet --timeout $(( secs * 10 + 600 )) \
    --cmd "PROFILE_SECONDS=$secs bash /host/qemu/guest/profile.sh" || die "profile: the $drv run failed"
  grep -a '# profile| ' "$RXGBE_ROOT/build/vm/profile-$drv.log" | sed "s/^.*# profile| /$drv /" >> "$work/raw.txt"
done
out="$RXGBE_ROOT/bench/results/$(date +%Y-%m-%d-%H%M)-profile.md"
python3 "$RXGBE_ROOT/scripts/profile-report.py" "$work/raw.txt" \
  "$(cat "$KDIR/include/config/kernel.release") release build, rxgbe $(git -C "$RXGBE_ROOT" describe --always --dirty), ${secs} s per recording" \
  > "$out"
log "profile: report ${out#"$RXGBE_ROOT"/}"
cat "$out"
