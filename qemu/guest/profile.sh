#!/bin/bash
# One profile of one driver (RXGBE_MODE=cmd, started by scripts/profile.sh): the benchmark's settings, then
# `perf record` of the whole guest (cpu-clock) during the receive
# workloads of the benchmark, TCP from the peer (1 stream) and 64-byte UDP. Prints "# profile| WORKLOAD PCT DSO
# SYMBOL" lines, the symbols above 0.2% of the samples, and "# profile| WORKLOAD samples N".
#   PROFILE_SECONDS  length of each recording (default 8)
. /host/selftests/lib.sh
find_ifs
secs=${PROFILE_SECONDS:-8}
ethtool -K "$DUT_IF" tx on sg on tso on gso on gro on rx on rxhash on >/dev/null 2>&1 || true
ethtool -K "$DUT_IF" lro off >/dev/null 2>&1 || true
sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
iperf3 -s -D -p 5202 --logfile /tmp/profile-iperf3.log
wait_for "ss -ltn | grep -q ':5202 '" 30 || { echo "# profile: no iperf3 server"; exit 1; }
in_peer timeout 60 iperf3 -c "$DUT_V4" -p 5202 -t 2 >/dev/null

# record NAME IPERF3-ARGS...: the peer sends for the recording's length plus a margin on both sides.
record() {
  local w=$1 cpid; shift
  in_peer timeout $((secs + 60)) iperf3 -c "$DUT_V4" -p 5202 -t $((secs + 3)) "$@" >/dev/null & cpid=$!
  nap 1
  perf record -q -a -e cpu-clock -F 1000 -o "/tmp/perf-$w.data" -- sleep "$secs" 2>/dev/null
  wait "$cpid" || { echo "# profile: $w: iperf3 failed"; return 1; }
  perf report -i "/tmp/perf-$w.data" --stdio --no-children --sort dso,sym --percent-limit 0.2 2>/dev/null |
    awk -v w="$w" '/^#/ && /Samples/ { n = $NF } /^ +[0-9.]+%/ {
      pct = $1; dso = $2; $1 = $2 = $3 = ""; sub(/^ +/, ""); printf "# profile| %s %s %s %s\n", w, pct, dso, $0 }'
  echo "# profile| $w samples $(perf report -i "/tmp/perf-$w.data" --stdio 2>/dev/null | awk '/^# Samples:/ { print $3; exit }')"
}
rc=0
record tcp_rx_1 -P 1 || rc=1
record udp64_rx -u -b 0 -l 18 -P 2 || rc=1
exit $rc
