#!/usr/bin/env bash
# Offload table: boots the lab guest once with rxgbe on igb and, for TSO, checksum offload, GRO and LRO each off (or
# on) against the all-on baseline, measures a bulk TCP send and receive (qemu/guest/offloads.sh). Prints the table;
# exits non-zero if a setting was refused or moved no data.   OFF_SECONDS=N (iperf3 length, default 10),
# OFF_REPS=N (rounds over all settings, interleaved so host noise hits each alike; default 3): min and median.
# Use the release kernel (make offloads KERNEL=release): the debug kernel's per-packet cost hides the offloads.
set -euo pipefail
. "$(dirname "$0")/common.sh"
KDIR=${KDIR:-$("$RXGBE_ROOT/scripts/kernel.sh" test)}
RXGBE_ROOTFS=${RXGBE_ROOTFS:-$("$RXGBE_ROOT/scripts/rootfs.sh")}
export KDIR RXGBE_ROOTFS
name=offloads-rxgbe-igb
log "offloads: rxgbe on igb, ${OFF_REPS:-3} rounds x 6 settings x 2 directions x ${OFF_SECONDS:-10} s (log build/vm/$name.log)"
rc=0
python3 "$RXGBE_ROOT/scripts/vm.py" --mode cmd --driver rxgbe --device igb --name "$name" --quiet \
  --cmd "OFF_SECONDS=${OFF_SECONDS:-10} OFF_REPS=${OFF_REPS:-3} bash /host/qemu/guest/offloads.sh" || rc=1
echo
grep -a '# offfail|' "$RXGBE_ROOT/build/vm/$name.log" | sed 's/^.*# offfail| \{0,1\}//' || true
grep -a '# offraw|' "$RXGBE_ROOT/build/vm/$name.log" | sed 's/^.*# offraw| //' | python3 -c '
import statistics, sys
rows = {}
for line in sys.stdin:
    f = line.split()
    rows.setdefault((f[0], f[1]), []).append([float(x) for x in f[2:]])
cols = ["Mbit/s", "frames/s", "stack calls/s", "CPU%", "CPU ms/GB"]
print("| setting | dir | n | " + " | ".join(f"{c} med (min)" for c in cols) + " |")
print("|---|---|---|" + "---|" * len(cols))
for (name, d), vals in rows.items():
    cells = []
    for i in range(len(cols)):
        v = [r[i] for r in vals]
        cells.append(f"{statistics.median(v):.0f} ({min(v):.0f})")
    print(f"| {name} | {d} | {len(vals)} | " + " | ".join(cells) + " |")
' || rc=1
exit $rc
