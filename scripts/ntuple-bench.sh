#!/usr/bin/env bash
# Flow-steering cost table: boots the lab guest once with rxgbe on igb (release kernel, two queues) and measures
# 64-byte UDP reception under each steering setting (qemu/guest/ntuple-bench.sh): no classifier, an empty table,
# 10 and 1000 exact or masked rules the traffic does not match, and the cross-vector hand-off against RSS putting
# the same flows on the same queue. Prints the table; exits non-zero if a setting failed.
#   NB_SECONDS=N (iperf3 length, default 10), NB_REPS=N (rounds over all settings, interleaved; default 3).
set -euo pipefail
. "$(dirname "$0")/common.sh"
KDIR=${KDIR:-$("$RXGBE_ROOT/scripts/kernel.sh" release)}
RXGBE_ROOTFS=${RXGBE_ROOTFS:-$("$RXGBE_ROOT/scripts/rootfs.sh")}
export KDIR RXGBE_ROOTFS
name=ntuple-bench-rxgbe-igb
log "ntuple-bench: rxgbe on igb, ${NB_REPS:-3} rounds x 8 settings x ${NB_SECONDS:-10} s (log build/vm/$name.log)"
rc=0
python3 "$RXGBE_ROOT/scripts/vm.py" --mode cmd --driver rxgbe --device igb --name "$name" --quiet \
  --cmd "NB_SECONDS=${NB_SECONDS:-10} NB_REPS=${NB_REPS:-3} bash /host/qemu/guest/ntuple-bench.sh" || rc=1
echo
grep -a '# ntfail|' "$RXGBE_ROOT/build/vm/$name.log" | sed 's/^.*# ntfail| \{0,1\}//' && rc=1
grep -a '# ntraw|' "$RXGBE_ROOT/build/vm/$name.log" | sed 's/^.*# ntraw| //' | python3 -c '
import statistics, sys
rows = {}
for line in sys.stdin:
    f = line.split()
    rows.setdefault(f[0], []).append([float(x) for x in f[1:]])
base = statistics.median(r[0] for r in rows.get("rules-0", [[1]]))
cols = ["rx pps", "offered pps", "CPU%", "kernel CPU us/packet"]
print("| setting | n | " + " | ".join(f"{c} med (min)" for c in cols) + " | rx pps / rules-0 |")
print("|---|---|" + "---|" * len(cols) + "---|")
for name, vals in rows.items():
    fmt = lambda i, v: f"{v:.1f}" if i == 3 else f"{v:.0f}"
    cells = [f"{fmt(i, statistics.median(r[i] for r in vals))} ({fmt(i, min(r[i] for r in vals))})"
             for i in range(len(cols))]
    ratio = statistics.median(r[0] for r in vals) / base if base else 0
    print(f"| {name} | {len(vals)} | " + " | ".join(cells) + f" | {ratio:.2f} |")
' || rc=1
exit $rc
