#!/usr/bin/env bash
# Interrupt moderation table: boots the lab guest once and, with rx/tx-usecs 0 (off), 125 and 5000 (fixed) and adaptive
# moderation, measures a bulk TCP receive from the peer (qemu/guest/moderation.sh). Prints the table; exits
# non-zero if a setting was refused or moved no data.
#   DRIVER=rxgbe|igb (default rxgbe)  MOD_SECONDS=N (iperf3 length per setting, default 10)
# Absolute figures are those of the debug test kernel under TCG: compare the rows, not the numbers with hardware.
set -euo pipefail
. "$(dirname "$0")/common.sh"
DRIVER=${DRIVER:-rxgbe}
KDIR=${KDIR:-$("$RXGBE_ROOT/scripts/kernel.sh" test)}
RXGBE_ROOTFS=${RXGBE_ROOTFS:-$("$RXGBE_ROOT/scripts/rootfs.sh")}
export KDIR RXGBE_ROOTFS
name=moderation-$DRIVER-igb
log "moderation: $DRIVER on igb, ${MOD_SECONDS:-10} s per setting (log build/vm/$name.log)"
rc=0
python3 "$RXGBE_ROOT/scripts/vm.py" --mode cmd --driver "$DRIVER" --device igb --name "$name" --quiet \
  --cmd "MOD_SECONDS=${MOD_SECONDS:-10} bash /host/qemu/guest/moderation.sh" || rc=1
echo
grep -a '# mod|' "$RXGBE_ROOT/build/vm/$name.log" | sed 's/^.*# mod| \{0,1\}/| /' || true
exit $rc
