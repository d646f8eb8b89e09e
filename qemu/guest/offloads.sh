#!/bin/bash
# Offload measurement (RXGBE_MODE=cmd, started by scripts/offloads.sh): for each offload setting a bulk TCP send to
# the peer and a bulk TCP receive from it. Prints one table row per setting and direction ("# off|" lines: the host
# collects them) in the shape of the classic offload measurements: Mbit/s, frames on the wire per second, calls
# into or out of the stack per second (skbs the driver handed to or took from the stack), guest CPU% and kernel
# CPU time per GB moved. Fails if a setting was refused or moved no data.
#   OFF_SECONDS  length of each iperf3 run (default 10)   OFF_REPS  rounds over all settings (default 3)
# Raw rows ("# offraw| setting dir Mbit/s frames/s calls/s CPU% ms/GB") go to the host, which prints min and median.
. /host/selftests/lib.sh
find_ifs
secs=${OFF_SECONDS:-10}
rc=0
# Per-queue driver counters of ethtool -S, summed (rxgbe names them rx-N-NAME / tx-N-NAME).
stat_sum() { ethtool -S "$DUT_IF" | awk -v n="-$1:" 'index($1, n) && $1 ~ /^(rx|tx)-[0-9]+-/ {s += $2} END {print s + 0}'; }
# counters DIR: "frames stack_calls bytes" so far in direction DIR (stack calls: an LRO packet or a TSO packet is one
# call for all its frames).
counters() {
  if [ "$1" = rx ]; then
    echo "$(stat_of rx_packets) $(( $(stat_of rx_packets) - $(stat_sum lro-merged) )) $(stat_of rx_bytes)"
  else
    echo "$(stat_of tx_packets) $(( $(stat_of tx_packets) - $(stat_sum tso-segments) + $(stat_sum tso-packets) ))" \
      "$(stat_of tx_bytes)"
  fi
}
# measure NAME DIR: one row.
measure() {
  local name=$1 dir=$2 f0 c0 b0 f1 c1 b1 busy0 k0 t0 busy1 k1 t1 s0 s1 json mbps
  peer_iperf3_server || { echo "# offfail| $name $dir: no iperf3 server"; rc=1; return; }
  read -r f0 c0 b0 < <(counters "$dir"); read -r busy0 k0 t0 < <(cpu_ticks); s0=$(date +%s%N)
  if [ "$dir" = rx ]; then json=$(timeout $((secs + 60)) iperf3 -c "$PEER_V4" -t "$secs" -R -J)
  else json=$(timeout $((secs + 60)) iperf3 -c "$PEER_V4" -t "$secs" -J); fi
  read -r f1 c1 b1 < <(counters "$dir"); read -r busy1 k1 t1 < <(cpu_ticks); s1=$(date +%s%N)
  mbps=$(echo "$json" | jq -r '.end.sum_received.bits_per_second // 0 | . / 1e6')
  awk -v n="$name" -v d="$dir" -v f=$((f1 - f0)) -v c=$((c1 - c0)) -v b=$((b1 - b0)) -v busy=$((busy1 - busy0)) \
    -v k=$((k1 - k0)) -v t=$((t1 - t0)) -v ns=$((s1 - s0)) -v mb="$mbps" -v hz="$(getconf CLK_TCK)" 'BEGIN {
      s = ns / 1e9
      printf "# offraw| %s %s %.1f %.0f %.0f %.1f %.0f\n", n, d, mb, f / s, c / s,
        t ? 100 * busy / t : 0, b ? (k * 1000 / hz) / (b / 1e9) : 0 }'
  awk -v r="${mbps:-0}" 'BEGIN { exit !(r > 0) }' || { echo "# offfail| $name $dir: no data moved"; rc=1; }
}
# setting NAME ethtool-K-args...: apply (from the all-on baseline), measure both directions.
setting() {
  local name=$1; shift
  ethtool -K "$DUT_IF" tx on sg on tso on gro on lro off rx on >/dev/null 2>&1
  if [ $# -gt 0 ] && ! ethtool -K "$DUT_IF" "$@"; then echo "# offfail| $name: ethtool -K $* refused"; rc=1; return; fi
  echo "# $name: $(ethtool -k "$DUT_IF" | awk -F': ' '/^(tx-checksum-ip-generic|scatter-gather|tcp-segmentation-offload|generic-receive-offload|large-receive-offload|rx-checksumming):/ {printf "%s=%s ", $1, $2}')"
  measure "$name" tx
  measure "$name" rx
}
for rep in $(seq 1 "${OFF_REPS:-3}"); do
  echo "# offloads: round $rep of ${OFF_REPS:-3}"
  setting all-on
  setting tso-off   tso off
  setting csum-off  tx off rx off
  setting gro-off   gro off
  setting lro-on    gro off lro on
  setting none      tx off sg off tso off gro off rx off
done
ethtool -K "$DUT_IF" tx on sg on tso on gro on lro off rx on >/dev/null 2>&1
exit $rc
