#!/bin/bash
# TCP throughput both directions with iperf3 (5 s each): must be non-zero; the rates are printed.
. /host/selftests/lib.sh
tap_begin
# iperf NAME ADDR [client args]: the receiver's rate in Mbit/s must be > 0.
iperf() {
  local name=$1 addr=$2 json mbps; shift 2
  peer_iperf3_server || { not_ok "$name" "iperf3 server did not start"; return; }
  json=$(timeout 60 iperf3 -c "$addr" -t 5 -J "$@")
  mbps=$(echo "$json" | jq -r '.end.sum_received.bits_per_second // 0 | . / 1e6')
  peer_iperf3_stop
  # The debug kernel under TCG moves about 1 Mbit/s: compare the exact rate, not whole Mbit/s.
  if awk -v r="${mbps:-0}" 'BEGIN { exit !(r > 0) }'; then ok "$name: $(printf '%.2f' "$mbps") Mbit/s"
  else not_ok "$name" "$(echo "$json" | jq -r '.error // empty' 2>/dev/null)"; fi
}
iperf "TCP IPv4 DUT -> peer" "$PEER_V4"
iperf "TCP IPv4 peer -> DUT" "$PEER_V4" -R
iperf "TCP IPv6 DUT -> peer" "$PEER_V6"
iperf "TCP IPv6 peer -> DUT" "$PEER_V6" -R
tap_end
