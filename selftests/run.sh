#!/bin/bash
# Runs the VM selftests in order (or those named in RXGBE_TESTS, comma-separated) and totals them.
# Each file prints TAP lines and "N passed, N failed"; a file that dies or times out counts as a failure.
. /host/qemu/guest/lab.sh
order=(ping irqmode iperf transfer offload hds vlan mtu queues rss steering ntuple napi promisc link mac diag timestamp xdp xsk netconsole reload dmesg)
[ -n "${RXGBE_TESTS:-}" ] && IFS=, read -r -a order <<< "$RXGBE_TESTS"
# Per-file time limits (s): generous, the debug kernel under TCG is slow and gets slower when VMs share cores.
declare -A limit=([transfer]=1500 [offload]=1500 [mtu]=900 [reload]=1800)
pass=0 fail=0
for t in "${order[@]}"; do
  f=/host/selftests/$t.sh
  echo "# ===== $t ($DRIVER on $DEVICE) ====="
  start=$(date +%s)
  out=/tmp/selftest-$t.out
  timeout -k 10 "${limit[$t]:-600}" bash "$f" 2>/tmp/selftest-$t.err | tee "$out"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
  p=$(echo "$line" | awk '{print $1}'); n=$(echo "$line" | awk '{print $3}')
  if [ -z "$line" ] || { [ "$rc" != 0 ] && [ "${n:-0}" = 0 ]; }; then
    echo "not ok - $t: exited with status $rc without a result (timeout 124)"; tail -n 20 /tmp/selftest-$t.err | sed 's/^/# /'
    n=$(( ${n:-0} + 1 ))
  fi
  pass=$((pass + ${p:-0})); fail=$((fail + n))
  echo "# $t: ${p:-0} passed, $n failed in $(( $(date +%s) - start )) s"
  cp "$out" "$OUTDIR/" 2>/dev/null
done
echo "# ===== total ($DRIVER on $DEVICE) ====="
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
