#!/usr/bin/env bash
# Offload table: boots the lab guest once with rxgbe on igb and, for TSO, checksum offload, GRO and LRO each off (or
# on) against the all-on baseline, measures a bulk TCP send and receive (qemu/guest/offloads.sh). Prints the table;
# exits non-zero if a setting was refused or moved no data.   OFF_SECONDS=N (iperf3 length, default 10)
# Use the release kernel (make offloads KERNEL=release): the debug kernel's per-packet cost hides the offloads.
set -euo pipefail
. "$(dirname "$0")/common.sh"
KDIR=${KDIR:-$("$RXGBE_ROOT/scripts/kernel.sh" test)}
RXGBE_ROOTFS=${RXGBE_ROOTFS:-$("$RXGBE_ROOT/scripts/rootfs.sh")}
export KDIR RXGBE_ROOTFS
name=offloads-rxgbe-igb
log "offloads: rxgbe on igb, 6 settings x 2 directions x ${OFF_SECONDS:-10} s (log build/vm/$name.log)"
rc=0
python3 "$RXGBE_ROOT/scripts/vm.py" --mode cmd --driver rxgbe --device igb --name "$name" --quiet \
  --cmd "OFF_SECONDS=${OFF_SECONDS:-10} bash /host/qemu/guest/offloads.sh" || rc=1
echo
grep -a '# off|' "$RXGBE_ROOT/build/vm/$name.log" | sed 's/^.*# off| \{0,1\}/| /' || true
exit $rc
