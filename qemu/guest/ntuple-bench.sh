#!/bin/bash
# Flow-steering cost (RXGBE_MODE=cmd, started by scripts/ntuple-bench.sh): 64-byte UDP from the peer at the highest
# rate it offers (iperf3, two flows), received by rxgbe on igb with two queues, under each steering setting:
#   ntuple-off        no classifier at all
#   rules-0           ntuple on, empty table (the classifier's fixed cost)
#   exact-10/-1000    10 / 1000 exact tcp4 rules the traffic does not match (hash lookup)
#   masked-10/-1000   10 / 1000 masked rules (no source port) the traffic does not match (the ordered list)
#   rss-q1            no rule; RSS puts both flows on queue 1 (ethtool -X weight 0 1): the reference for
#   handoff           RSS puts both flows on queue 0, one rule steers them to queue 1: every packet crosses vectors
# Raw rows ("# ntraw| setting rx_pps offered_pps CPU% kernel_cpu_us_per_packet") go to the host, which prints min and median.
#   NB_SECONDS  length of each run (default 10)   NB_REPS  rounds over all settings (default 3)
. /host/selftests/lib.sh
find_ifs
secs=${NB_SECONDS:-10}
PROBE="python3 /host/selftests/ntuple_probe.py"
rc=0
# (nsenter keeps the host's /sys: the peer's counters come from its /proc/net/dev.)
peer_tx_packets() { in_peer awk -v i="$PEER_IF:" '$1 == i { print $11 }' /proc/net/dev; }
measure() {
  local name=$1 rx0 rx1 o0 o1 busy0 k0 t0 busy1 k1 t1 s0 s1 json
  rx0=$(stat_of rx_packets); o0=$(peer_tx_packets); read -r busy0 k0 t0 < <(cpu_ticks); s0=$(date +%s%N)
  json=$(in_peer timeout $((secs + 60)) iperf3 -c "$DUT_V4" -p 5202 -u -b 0 -l 18 -P 2 -t "$secs" -J)
  rx1=$(stat_of rx_packets); o1=$(peer_tx_packets); read -r busy1 k1 t1 < <(cpu_ticks); s1=$(date +%s%N)
  [ "$(jq -r '.end.sum.packets // 0' <<< "$json" 2>/dev/null)" -gt 0 ] || { echo "# ntfail| $name: iperf3 sent nothing"; rc=1; return; }
  awk -v n="$name" -v rx=$((rx1 - rx0)) -v off=$((o1 - o0)) -v busy=$((busy1 - busy0)) -v k=$((k1 - k0)) \
    -v t=$((t1 - t0)) -v ns=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {
      s = ns / 1e9
      printf "# ntraw| %s %.0f %.0f %.1f %.2f\n", n, rx / s, off / s, t ? 100 * busy / t : 0,
        rx ? (k * 1e6 / hz) / rx : 0 }'
}
# setting NAME: from a clean state (ntuple off, no rules, RSS over both queues), set NAME up and measure it.
setting() {
  local name=$1 out
  ethtool -K "$DUT_IF" ntuple off
  ethtool -X "$DUT_IF" default
  case $name in
    ntuple-off) ;;
    rules-0) ethtool -K "$DUT_IF" ntuple on ;;
    exact-*|masked-*)
      ethtool -K "$DUT_IF" ntuple on
      out=$($PROBE fill "$DUT_IF" "${name#*-}" 1 $([ "${name%-*}" = masked ] && echo --masked))
      [ "$out" = "added=${name#*-} errno=0" ] || { echo "# ntfail| $name: $out"; rc=1; return; } ;;
    rss-q1) ethtool -K "$DUT_IF" ntuple on; ethtool -X "$DUT_IF" weight 0 1 ;;
    handoff)
      ethtool -K "$DUT_IF" ntuple on; ethtool -X "$DUT_IF" weight 1 0
      ethtool -N "$DUT_IF" flow-type udp4 dst-port 5202 action 1 >/dev/null ;;
  esac
  local in0; in0=$(ethtool -S "$DUT_IF" | awk '$1 == "rx-1-steered-in:" {print $2}')
  measure "$name"
  echo "# $name: rx-1-steered-in +$(( $(ethtool -S "$DUT_IF" | awk '$1 == "rx-1-steered-in:" {print $2}') - in0 ))"
}
ethtool -L "$DUT_IF" combined 2 && wait_for 'carrier_is 1' 30 && wait_reachable 30 || { echo "# ntfail| two queues"; exit 1; }
iperf3 -s -D -p 5202 --logfile /tmp/nb-iperf3.log
wait_for "ss -ltn | grep -q ':5202 '" 30 || { echo "# ntfail| iperf3 server"; exit 1; }
for rep in $(seq 1 "${NB_REPS:-3}"); do
  echo "# ntuple-bench: round $rep of ${NB_REPS:-3}"
  for s in ntuple-off rules-0 exact-10 exact-1000 masked-10 masked-1000 rss-q1 handoff; do setting $s; done
done
ethtool -K "$DUT_IF" ntuple off; ethtool -X "$DUT_IF" default
exit $rc
