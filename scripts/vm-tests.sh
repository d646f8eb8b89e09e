#!/usr/bin/env bash
# Runs the project's VM selftests (selftests/*.sh, in the lab guest) on the emulated igb and then e1000.
#   DRIVER=rxgbe (default): rxgbe on both devices.   DRIVER=igb or DRIVER=e1000: the in-tree driver of each
#   device (igb on igb, e1000 on e1000), for side-by-side comparison.   DEVICES="igb e1000" picks devices.
# Prints a summary table; exits non-zero if any run failed. Logs: build/vm/test-<driver>-<device>.log
set -euo pipefail
. "$(dirname "$0")/common.sh"

DRIVER=${DRIVER:-rxgbe}
DEVICES=${DEVICES:-igb e1000}
# Sizes of the sha256-checked transfers (transfer.sh, mtu.sh), handed to the guest on the kernel command line.
RXGBE_BLOB_MB=${RXGBE_BLOB_MB:-64} RXGBE_MTU_BLOB_MB=${RXGBE_MTU_BLOB_MB:-16}
# Resolve the cached artefacts once (each prints its path; a cache miss builds, which `make` does first).
KDIR=${KDIR:-$("$RXGBE_ROOT/scripts/kernel.sh" test)}
RXGBE_ROOTFS=${RXGBE_ROOTFS:-$("$RXGBE_ROOT/scripts/rootfs.sh")}
export KDIR RXGBE_ROOTFS
# The XDP programs xdp.sh loads, built on the host (the guest reads them through the 9p share).
log "vm-tests: XDP test programs in $("$RXGBE_ROOT/scripts/bpf.sh")"

rows=() names=() rc=0
# run_vm DEVICE DRIVER NAME VARIANT [vm.py args...]: one guest boot running selftests, one table row.
# Guests run one at a time: two side by side (each keeps about 1.4 of the 2 host cores busy) made each boot's
# 64 MiB transfers three times slower, more than the overlap saved.
run_vm() {
  local dev=$1 drv=$2 name=$3 variant=$4 res start wall passed failed boot; shift 4
  log "vm-tests: $drv on $dev${variant:+ ($variant)} (progress below; full log build/vm/$name.log)"
  start=$(date +%s)
  names+=("$name")
  if "$RXGBE_ROOT/scripts/vm.py" --mode test --driver "$drv" --device "$dev" --name "$name" --quiet "$@"; then
    res=PASS; else res=FAIL; rc=1; fi
  wall=$(( $(date +%s) - start ))
  read -r passed failed boot < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
print(d["tap_passed"], d["tap_failed"], d["boot_s"])' "$RXGBE_ROOT/build/vm/$name.json" 2>/dev/null || echo "? ? ?")
  rows+=("$(printf '%-7s %-7s %-16s %-5s %7s %7s %7s %8s' "$dev" "$drv" "${variant:-default}" "$res" "$passed" "$failed" "$boot" "$wall")")
}

# RXGBE_KSFT_TESTS (e.g. "required", see scripts/kselftest.sh KSFT_TESTS): these upstream kselftests run at the end
# of the rxgbe igb selftest boot (one boot less than a separate `scripts/kselftest.sh` run), and their table and
# required-test check follow the VM runs.
KSFT_IN_BOOT=${RXGBE_KSFT_TESTS:-}
for dev in $DEVICES; do
  drv=$DRIVER
  [ "$drv" = rxgbe ] || drv=$dev  # in-tree comparison: each device with its own in-tree driver
  ksft=()
  if [ -n "$KSFT_IN_BOOT" ] && [ "$drv" = rxgbe ] && [ "$dev" = igb ]; then
    KSFT_TESTS=$KSFT_IN_BOOT DRIVER=rxgbe DEVICE=igb "$RXGBE_ROOT/scripts/kselftest.sh" conf
    ksft=(RXGBE_KSFT=1)
  fi
  # shellcheck disable=SC2086  # VM_ARGS: extra vm.py words
  run_vm "$dev" "$drv" "test-$drv-$dev" "${ksft:++kselftests}" ${ksft:+--timeout 4500} \
    --kernel-args "RXGBE_BLOB_MB=$RXGBE_BLOB_MB RXGBE_MTU_BLOB_MB=$RXGBE_MTU_BLOB_MB ${ksft[*]}" ${VM_ARGS:-}
  if [ "$drv" = rxgbe ] && [ "$dev" = igb ] && [ "${RXGBE_FALLBACKS:-1}" = 1 ]; then
    # Interrupt fallback of the MSI-X MAC without MSI at all: INTx. (The MSI fallback, module parameter
    # msix=0, is checked by irqmode.sh in the main boot, reloading the driver.)
    run_vm igb rxgbe test-rxgbe-igb-intx "intx fallback" --tests irqmode,dmesg \
      --kernel-args "pci=nomsi RXGBE_EXPECT_IRQ=intx"
  fi
done

echo
printf '%-7s %-7s %-16s %-5s %7s %7s %7s %8s\n' device driver boot result passed failed boot_s wall_s
printf '%s\n' "${rows[@]}"
if [ -n "$KSFT_IN_BOOT" ] && [[ " $DEVICES " == *" igb "* ]] && [ "$DRIVER" = rxgbe ]; then
  echo
  KSFT_TESTS=$KSFT_IN_BOOT DRIVER=rxgbe DEVICE=igb "$RXGBE_ROOT/scripts/kselftest.sh" table || rc=1
fi
# The failing checks and kernel-log lines again, last: a reader of only the tail of this output (CI) sees them.
for name in "${names[@]}"; do
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
n = d["name"] + ": "
for l in d.get("failed_lines", []): print(n + l)
for l in d.get("bad_lines", [])[:10]: print(n + "kernel log: " + l)
if d.get("timed_out"): print(n + "timed out")' "$RXGBE_ROOT/build/vm/$name.json" 2>/dev/null || echo "$name: no result file"
done
[ "$rc" = 0 ] && log "vm-tests: all passed" || log "vm-tests: FAILED (see the logs above)"
exit $rc
