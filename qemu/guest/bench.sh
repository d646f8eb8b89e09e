#!/bin/bash
# One benchmark repetition of one driver (RXGBE_MODE=cmd, started by scripts/bench.sh): applies the common
# settings, prints them ("# setting|" lines) and runs every workload, printing "# bench| WORKLOAD METRIC VALUE"
# lines that the host collects. Fails if a workload moved no data.
#   BENCH_SECONDS  length of each timed run (default 10)
# The DUT and the peer share the guest, so CPU costs include the peer's side; the peer (e1000e) is the same for
# both drivers, so differences between the drivers are the DUT driver's.
. /host/selftests/lib.sh
find_ifs
secs=${BENCH_SECONDS:-10}
hz=$(getconf CLK_TCK)
rc=0
emit() { echo "# bench| $1 $2 $3"; }
# The peer's transmitted packets (sysfs shows the main namespace's devices only; /proc/net follows the reader's).
peer_tx_packets() { in_peer awk -v i="$PEER_IF:" '$1 == i { print $11 }' /proc/net/dev; }

# Same settings for both drivers: the offloads both have on, LRO (rxgbe only) off. ethtool fails on features a
# driver has fixed; the settings printed below are what counts (scripts/bench.sh compares them between the
# drivers).
ethtool -K "$DUT_IF" tx on sg on tso on gso on gro on rx on rxhash on >/dev/null 2>&1 || true
ethtool -K "$DUT_IF" lro off >/dev/null 2>&1 || true
setting() { echo "# setting| $1 | $2"; }
setting CPUs "$(nproc)"
setting "queues rx/tx" "$(ls "/sys/class/net/$DUT_IF/queues" | grep -c '^rx-')/$(ls "/sys/class/net/$DUT_IF/queues" | grep -c '^tx-')"
setting "ring sizes rx/tx" "$(ethtool_now -g RX)/$(ethtool_now -g TX)"
setting MTU "$(cat "/sys/class/net/$DUT_IF/mtu")"
setting offloads "$(ethtool -k "$DUT_IF" | awk -F': ' '/^(rx-checksumming|tx-checksumming|scatter-gather|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|large-receive-offload|receive-hashing):/ {
  sub(/ \[fixed\]/, "", $2); printf "%s%s %s", n++ ? ", " : "", $1, $2 }')"
# Coalescing stays at each driver's default (rxgbe: adaptive; igb: its rx-usecs 3 mode): reported, not equal.
setting "coalescing (driver default)" "$(ethtool -c "$DUT_IF" | awk -F':[[:space:]]*' '/^(Adaptive RX|rx-usecs|tx-usecs):/ {
  sub(/[[:space:]]+TX$/, "", $2); printf "%s%s %s", n++ ? ", " : "", $1, $2 }')"

# snap: "ns irqs rx_packets tx_packets rx_bytes tx_bytes kernel_jiffies" now (guest time: virtual under icount,
# like the tools' own clocks).
snap() {
  local b k t
  read -r b k t < <(cpu_ticks)
  echo "$(date +%s%N) $(queue_irqs) $(stat_of rx_packets) $(stat_of tx_packets) $(stat_of rx_bytes) $(stat_of tx_bytes) $k"
}
# cost WORKLOAD DIR SNAP0 SNAP1: interrupts/s, and kernel CPU (system + irq + softirq) per GB and per million
# packets of the DUT's DIR (rx|tx) traffic.
cost() {
  local w=$1 dir=$2 n0 i0 rp0 tp0 rb0 tb0 k0 n1 i1 rp1 tp1 rb1 tb1 k1
  read -r n0 i0 rp0 tp0 rb0 tb0 k0 <<< "$3"
  read -r n1 i1 rp1 tp1 rb1 tb1 k1 <<< "$4"
  awk -v w="$w" -v dir="$dir" -v ns=$((n1 - n0)) -v irq=$((i1 - i0)) -v k=$((k1 - k0)) -v hz="$hz" \
    -v rp=$((rp1 - rp0)) -v tp=$((tp1 - tp0)) -v rb=$((rb1 - rb0)) -v tb=$((tb1 - tb0)) 'BEGIN {
      p = dir == "rx" ? rp : tp; b = dir == "rx" ? rb : tb; cpu_ms = k * 1000 / hz
      printf "# bench| %s irqs_per_s %.0f\n", w, irq * 1e9 / ns
      if (b > 0) printf "# bench| %s cpu_ms_per_GB %.1f\n", w, cpu_ms / (b / 1e9)
      if (p > 0) printf "# bench| %s cpu_ms_per_Mpkt %.1f\n", w, cpu_ms / (p / 1e6) }'
}

# tcp NAME DIR STREAMS: bulk TCP for BENCH_SECONDS; rx = peer sends to the DUT, tx = the DUT sends to the peer.
tcp() {
  local w=$1 dir=$2 n=$3 s0 s1 json mbps
  s0=$(snap)
  if [ "$dir" = rx ]; then
    json=$(in_peer timeout $((secs + 60)) iperf3 -c "$DUT_V4" -p 5202 -t "$secs" -P "$n" -J)
  else
    json=$(timeout $((secs + 60)) iperf3 -c "$PEER_V4" -p 5202 -t "$secs" -P "$n" -J)
  fi
  s1=$(snap)
  mbps=$(jq -r '.end.sum_received.bits_per_second // 0 | . / 1e6' <<< "$json" 2>/dev/null)
  emit "$w" Mbit_s "$(printf '%.1f' "${mbps:-0}")"
  cost "$w" "$dir" "$s0" "$s1"
  awk -v r="${mbps:-0}" 'BEGIN { exit !(r > 0) }' || { echo "# bench: $w moved no data"; rc=1; }
}

# udp64: 64-byte frames (18-byte UDP payload) from the peer at the highest rate it offers, two senders.
# Lost = frames the peer's NIC sent that the DUT driver did not receive: the drivers' own drop counters are not
# comparable (the in-tree igb reports the MAC's missed-packet counter, rxgbe does not yet).
udp64() {
  local w=udp64_rx s0 s1 o0 o1 json sent ns rx
  s0=$(snap); o0=$(peer_tx_packets)
  json=$(in_peer timeout $((secs + 60)) iperf3 -c "$DUT_V4" -p 5202 -u -b 0 -l 18 -P 2 -t "$secs" -J)
  s1=$(snap); o1=$(peer_tx_packets)
  sent=$(jq -r '.end.sum.packets // 0' <<< "$json" 2>/dev/null)
  [ "${sent:-0}" -gt 0 ] || { echo "# bench: $w: iperf3 sent nothing"; rc=1; return; }
  ns=$(( $(cut -d' ' -f1 <<< "$s1") - $(cut -d' ' -f1 <<< "$s0") ))
  rx=$(( $(cut -d' ' -f3 <<< "$s1") - $(cut -d' ' -f3 <<< "$s0") ))
  awk -v w=$w -v ns="$ns" -v rx="$rx" -v off=$((o1 - o0)) 'BEGIN {
    printf "# bench| %s offered_pps %.0f\n# bench| %s rx_pps %.0f\n", w, off * 1e9 / ns, w, rx * 1e9 / ns
    printf "# bench| %s lost_pct %.2f\n", w, (off > rx ? 100 * (off - rx) / off : 0) }'
  cost "$w" rx "$s0" "$s1"
}

# rr: small TCP transactions (64-byte request, 64-byte reply) back to back, sockperf ping-pong against a server
# in the peer: transactions/s and round-trip percentiles.
rr() {
  local w=tcp_rr out
  out=$(timeout $((secs + 60)) sockperf ping-pong --tcp -i "$PEER_V4" -p 11111 -t "$secs" -m 64 --full-rtt \
    --mps max 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
  awk -v w=$w '
    /\[Valid Duration\]/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] + 0 } }
    /percentile 50.000 =/ { p50 = $NF } /percentile 99.000 =/ { p99 = $NF }
    END {
      if (!v["RunTime"] || !v["ReceivedMessages"] || p50 == "") exit 1
      printf "# bench| %s trans_per_s %.0f\n", w, v["ReceivedMessages"] / v["RunTime"]
      printf "# bench| %s p50_us %s\n# bench| %s p99_us %s\n", w, p50, w, p99
    }' <<< "$out" || { echo "# bench: $w: no sockperf result"; echo "$out" | tail -n 5; rc=1; }
}

# Servers for every workload, started once (a one-shot server may still hold its port when the next test starts):
# iperf3 on both sides (port 5202, TCP and UDP tests in turn), sockperf in the peer.
iperf3 -s -D -p 5202 --logfile /tmp/bench-dut-iperf3.log
in_peer iperf3 -s -D -p 5202 --logfile /tmp/bench-peer-iperf3.log
in_peer sockperf server --tcp -i "$PEER_V4" -p 11111 --daemonize >/dev/null 2>&1
wait_for "ss -ltn | grep -q ':5202 ' && in_peer ss -ltn | grep -q ':5202 ' && in_peer ss -ltn | grep -q ':11111 '" 30 ||
  { echo "# bench: the iperf3 and sockperf servers did not start"; exit 1; }
# Warm-up: the first transfer after boot is an outlier (shared/notes/benchmarking.md).
timeout 60 iperf3 -c "$PEER_V4" -p 5202 -t 2 >/dev/null
tcp tcp_rx_1 rx 1
tcp tcp_rx_4 rx 4
tcp tcp_tx_1 tx 1
tcp tcp_tx_4 tx 4
udp64
rr
exit $rc
