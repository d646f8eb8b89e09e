#!/bin/bash
# RXGBE_MODE=demo: show the driver under test carrying traffic to the peer, end with a compact summary.
# Exits non-zero if any step failed. init.sh has already set up the topology.
. /host/qemu/guest/lab.sh
find_ifs
declare -A res
step() { # step NAME command...: run, remember PASS/FAIL
  local name=$1; shift
  echo "--- $name"
  if "$@"; then res[$name]=ok; else res[$name]=FAILED; fi
}
rx_tx() { awk '{print $1}' "/sys/class/net/$DUT_IF/statistics/rx_packets" "/sys/class/net/$DUT_IF/statistics/tx_packets" | paste -sd' '; }

step driver-info ethtool -i "$DUT_IF"
step link bash -c "ethtool $DUT_IF | grep -E 'Speed|Duplex|Link detected'; [ \"\$(cat /sys/class/net/$DUT_IF/carrier)\" = 1 ]"
step addresses ip -br addr show dev "$DUT_IF"
read -r rx0 tx0 < <(rx_tx)
step ping4 ping -c 3 -W 2 "$PEER_V4"
step ping6 ping -6 -c 3 -W 2 "$PEER_V6"
declare -A rate
iperf() { # iperf NAME [iperf3 client args]: 5 s TCP to the peer's server; the receiver's rate is kept
  local name=$1; shift
  in_peer iperf3 -s -D -1 --logfile /tmp/iperf3-s.log
  wait_for "in_peer ss -ltn | grep -q ':5201 '" 10
  timeout 60 iperf3 -c "$PEER_V4" -t 5 -f m "$@" | tee "/tmp/$name.out"
  rate[$name]=$(awk '/receiver/ {print $7, $8}' "/tmp/$name.out")
  [ -n "${rate[$name]}" ]
}
step iperf3-tx iperf iperf3-tx
step iperf3-rx iperf iperf3-rx -R
read -r rx1 tx1 < <(rx_tx)
echo "--- ip -s link"
ip -s link show dev "$DUT_IF"

echo "===== rxgbe demo summary: driver $(dut_driver) on QEMU $DEVICE ($DUT_IF) ====="
echo "packets during demo: rx $((rx1 - rx0)), tx $((tx1 - tx0))"
fail=0
for k in driver-info link addresses ping4 ping6 iperf3-tx iperf3-rx; do
  printf '  %-12s %-7s %s\n' "$k" "${res[$k]}" "${rate[$k]:-}"
  [ "${res[$k]}" = ok ] || fail=1
done
[ $((rx1 - rx0)) -gt 0 ] && [ $((tx1 - tx0)) -gt 0 ] || { echo "  no packets counted"; fail=1; }
exit $fail
