#!/bin/bash
# Interrupt moderation measurement (RXGBE_MODE=cmd, started by scripts/moderation.sh): for each setting
# (off, fixed 125 us and 5 ms, adaptive) a bulk TCP receive from the peer and an idle ping. Prints one table
# row per setting ("# mod|" lines: the host collects them) and fails if a setting could not be applied or moved
# no data.
#   MOD_SECONDS  length of each iperf3 run (default 10)
# The selftests' helpers (stat_of, queue_irqs, cpu_ticks, peer_iperf3_server); no TAP output is used.
. /host/selftests/lib.sh
find_ifs
secs=${MOD_SECONDS:-10}
rc=0

# measure NAME ethtool-C-args...: one row: interrupts/s, Mbit/s, packets/s, CPU%, idle ping RTT.
measure() {
  local name=$1 i0 i1 p0 p1 b0 b1 t0 t1 json mbps dt rtt; shift
  if ! ethtool -C "$DUT_IF" "$@"; then echo "# mod| $name: ethtool -C $* refused"; rc=1; return; fi
  ethtool -c "$DUT_IF" | grep -E 'Adaptive|rx-usecs:|tx-usecs:' | sed "s/^/# $name: /"
  # Idle latency first: a few pings with nothing else on the wire.
  rtt=$(ping -c 20 -i 0.2 -q "$PEER_V4" | awk -F/ '/^rtt/ {print $5}')
  peer_iperf3_server || { echo "# mod| $name: no iperf3 server"; rc=1; return; }
  i0=$(queue_irqs); p0=$(stat_of rx_packets); read -r b0 _ t0 < <(cpu_ticks); local s0; s0=$(date +%s%N)
  json=$(timeout $((secs + 60)) iperf3 -c "$PEER_V4" -t "$secs" -R -J)
  i1=$(queue_irqs); p1=$(stat_of rx_packets); read -r b1 _ t1 < <(cpu_ticks); local s1; s1=$(date +%s%N)
  mbps=$(echo "$json" | jq -r '.end.sum_received.bits_per_second // 0 | . / 1e6')
  dt=$(( (s1 - s0) / 1000000 ))
  awk -v n="$name" -v i=$((i1 - i0)) -v p=$((p1 - p0)) -v b=$((b1 - b0)) -v t=$((t1 - t0)) \
    -v ms="$dt" -v mb="$mbps" -v rtt="${rtt:-nan}" 'BEGIN {
      printf "# mod| %-9s | %10.0f | %8.2f | %9.0f | %5.1f | %8s |\n", n, i * 1000 / ms, mb, p * 1000 / ms,
        t ? 100 * b / t : 0, rtt }'
  awk -v r="${mbps:-0}" 'BEGIN { exit !(r > 0) }' || { echo "# mod| $name: no data moved"; rc=1; }
}

# Which vectors queue_irqs counts (the in-tree igb names them its own way).
grep -E " $DUT_IF(-|\$)" /proc/interrupts | sed 's/^/# vectors: /'
echo "# mod| setting   | irqs/s     | Mbit/s   | rx pkts/s | CPU%  | idle RTT ms |"
echo "# mod|---|---|---|---|---|---|"
if [ "$DRIVER" = igb ]; then
  # The in-tree igb: rx-usecs 0 is off, 1-3 are its dynamic modes (3: conservative), tx follows rx when the
  # queues are paired, and adaptive-rx is not an option it takes.
  measure off      rx-usecs 0
  measure fixed    rx-usecs 125
  measure fixed5ms rx-usecs 5000
  measure adaptive rx-usecs 3
else
  measure off      adaptive-rx off rx-usecs 0 tx-usecs 0
  measure fixed    adaptive-rx off rx-usecs 125 tx-usecs 125
  # At this lab's few hundred packets/s a 125 us interval never holds back an interrupt; a 5 ms one (at most
  # 200 interrupts/s per vector) shows whether the throttle registers act at all.
  measure fixed5ms adaptive-rx off rx-usecs 5000 tx-usecs 5000
  measure adaptive adaptive-rx on
fi
exit $rc
