#!/bin/bash
# NAPI as the kernel sees it, through the netdev netlink family (ynl): every RX and TX queue names its
# vector's NAPI, queue pair n shares one NAPI, and each NAPI carries the IRQ of its vector. Threaded NAPI
# (sysfs `threaded`) gives every NAPI a kthread that does the polling; busy polling (net.core.busy_read)
# polls rxgbe's NAPI from a receiving socket.
. /host/selftests/lib.sh
tap_begin
YNL_LIB=/host/build/kselftest/install/net/lib
ynl() { python3 "$YNL_LIB/ynl/pyynl/cli.py" --spec "$YNL_LIB/specs/netdev.yaml" --no-schema --output-json "$@"; }
ifindex=$(cat "/sys/class/net/$DUT_IF/ifindex")
sel="{\"ifindex\": $ifindex}"
# Every YNL call starts python (about 15 s under TCG): the dumps are taken once and kept in files.
if ! check "ynl netdev family usable (kselftest build): queue-get dump" \
    sh_c 'ynl --dump queue-get --json "$sel" > /tmp/napi-queues.json'; then
  tap_end; exit 1
fi
nq=$(ls "/sys/class/net/$DUT_IF/queues" | grep -c '^rx-')

# IRQ number of queue pair $1's vector: the one named <if>-TxRx-<n> (MSI-X), else the only one of the
# interface (MSI/INTx serve every queue from one vector).
queue_irq() {
  local irq
  irq=$(awk -v n="$DUT_IF-TxRx-$1" '$NF == n { sub(":", "", $1); print $1 }' /proc/interrupts)
  [ -n "$irq" ] || irq=$(awk -v n="$DUT_IF" '$NF == n { sub(":", "", $1); print $1 }' /proc/interrupts)
  echo "$irq"
}
queues_linked() {
  local q rx tx ids=() irq napi_irq queues napis
  queues=$(< /tmp/napi-queues.json) && napis=$(ynl --dump napi-get --json "$sel") || return 1
  [ "$(echo "$queues" | jq 'length')" = $((2 * nq)) ] || { echo "queues: $queues"; return 1; }
  for ((q = 0; q < nq; q++)); do
    rx=$(echo "$queues" | jq -r --argjson q "$q" '.[] | select(.type == "rx" and .id == $q) | ."napi-id" // empty')
    tx=$(echo "$queues" | jq -r --argjson q "$q" '.[] | select(.type == "tx" and .id == $q) | ."napi-id" // empty')
    echo "queue $q: rx napi ${rx:-none}, tx napi ${tx:-none}"
    [ -n "$rx" ] && [ "$rx" = "$tx" ] || return 1
    irq=$(queue_irq "$q")
    napi_irq=$(echo "$napis" | jq -r --argjson id "$rx" '.[] | select(.id == $id) | .irq // empty')
    echo "  napi $rx irq ${napi_irq:-none}, /proc/interrupts ${irq:-none}"
    [ -n "$irq" ] && [ "$napi_irq" = "$irq" ] || return 1
    ids+=("$rx")
  done
  # One NAPI per queue pair: no two pairs share one.
  [ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" = "$nq" ]
}
check "queue-get/napi-get: $nq queue pairs, one NAPI each with its vector's IRQ" queues_linked

# Threaded NAPI and busy polling are queue-vector code shared by both MACs: they run on the multi-queue igb only
# (each costs a minute and a half under TCG); the e1000 run stops after its vector linkage above.
if [ "$DEVICE" != igb ]; then tap_end; exit; fi

# Threaded NAPI: each NAPI reports a kthread pid (napi-get), and the threads do the receive work.
# Times the NAPI kthreads went to sleep: each wake-up to poll ends in one (no schedstat in the lab kernel).
thread_sleeps() {
  local p s=0 k v
  for p in $(< /tmp/napi-pids); do
    while read -r k v; do [ "$k" = voluntary_ctxt_switches: ] && s=$((s + v)); done < "/proc/$p/status"
  done
  echo $s
}
rx_burst() { # 3 s TCP receive from the peer, non-zero rate
  peer_iperf3_server || return 1
  local mbps; mbps=$(timeout 60 iperf3 -c "$PEER_V4" -t 3 -R -J | jq -r '.end.sum_received.bits_per_second // 0')
  peer_iperf3_stop
  echo "received at $mbps bit/s"; awk -v r="${mbps:-0}" 'BEGIN { exit !(r > 0) }'
}
# The kthreads exist once the write returns (created synchronously).
threaded_on() {
  echo 1 > "/sys/class/net/$DUT_IF/threaded" || return 1
  local pids p c
  pids=$(ynl --dump napi-get --json "$sel" | jq -r '.[] | .pid // empty') || return 1
  echo "$pids" > /tmp/napi-pids
  echo "napi pids: $(echo $pids)"
  [ "$(echo "$pids" | grep -c .)" = "$nq" ] || return 1
  for p in $pids; do read -r c < "/proc/$p/comm"; [[ $c == "napi/$DUT_IF"* ]] || { echo "pid $p is $c"; return 1; }; done
}
check "threaded=1: every NAPI has a napi/$DUT_IF-* kthread" threaded_on
t0=$(thread_sleeps)
check "threaded NAPI: bulk receive" rx_burst
polled_by_threads() { local t1; t1=$(thread_sleeps); echo "kthread sleeps $t0 -> $t1"; [ "$t1" -gt "$t0" ]; }
check "threaded NAPI: the kthreads did the polling (they woke and slept)" polled_by_threads
threads_gone() { local p; for p in $(< /tmp/napi-pids); do [ ! -e "/proc/$p" ] || return 1; done; }
threaded_off() {
  echo 0 > "/sys/class/net/$DUT_IF/threaded" && wait_for threads_gone 20 || { echo "kthreads still there"; return 1; }
  local pids; pids=$(ynl --dump napi-get --json "$sel" | jq -r '.[] | .pid // empty') || return 1
  [ -z "$pids" ] || { echo "napi-get still reports pids: $pids"; return 1; }
}
check "threaded=0: the kthreads exit and napi-get reports no pid" threaded_off
check "threaded=0: traffic again" ping_ok "$PEER_V4"

# Busy polling: with busy_read set, a TCP receiver's socket polls the NAPI its packets came from.
busy_polled() { nstat -az TcpExtBusyPollRxPackets | awk '/BusyPollRxPackets/ {print $2}'; }
busy_poll() {
  local b0 b1 rc=0
  sysctl -qw net.core.busy_read=200 || return 1
  b0=$(busy_polled); rx_burst || rc=1; b1=$(busy_polled)
  sysctl -qw net.core.busy_read=0
  echo "BusyPollRxPackets $b0 -> $b1"
  [ "$rc" = 0 ] && [ "$b1" -gt "$b0" ]
}
check "busy_read: the receiving socket busy-polled packets (TcpExtBusyPollRxPackets grew)" busy_poll
tap_end
