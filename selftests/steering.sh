#!/bin/bash
# Software steering knobs on rxgbe's queues (igb; needs 2 CPUs):
#  XPS: the default xps_cpus of tx-N is the CPU of vector N; a sender pinned to a CPU is counted on that
#       CPU's queue, and rewriting xps_cpus moves it.
#  RPS: with one queue (its interrupt on CPU 0), rps_cpus of rx-0 = CPU 1 moves the processing of received
#       packets to CPU 1 (per-CPU "processed" of /proc/net/softnet_stat).
#  RFS: with rps_sock_flow_entries and rps_flow_cnt set, packets follow the CPU of the consuming socket.
. /host/selftests/lib.sh
if [ "$DEVICE" != igb ]; then echo "# steering: igb only"; echo "0 passed, 0 failed"; exit 0; fi
tap_begin
Q=/sys/class/net/$DUT_IF/queues
# Leaves RPS and RFS off on every queue: a later test that checks which CPU processes a queue's packets would
# otherwise see RPS's choice (rx-0 keeps rps_cpus across -L).
restore() {
  ethtool -L "$DUT_IF" combined "$(nproc)" 2>/dev/null
  echo 0 > /proc/sys/net/core/rps_sock_flow_entries
  for r in "$Q"/rx-*; do echo 0 > "$r/rps_cpus"; echo 0 > "$r/rps_flow_cnt"; done
}
trap restore EXIT
txq_packets() { ethtool -S "$DUT_IF" | awk -v k="tx-$1-packets:" '$1 == k {print $2}'; }
processed_on() { # processed_on CPU: packets the stack processed on CPU (softnet_stat column 1, hex)
  local h; h=$(sed -n "$(( $1 + 1 ))p" /proc/net/softnet_stat | cut -d' ' -f1)
  echo $(( 16#$h ))
}
# pinned_ping CPU: 30 pings to the peer from a process on CPU; prints "delta0 delta1" of tx queue packets.
pinned_ping() {
  local a0 a1
  a0=$(txq_packets 0); a1=$(txq_packets 1)
  taskset -c "$1" ping -q -c 30 -i 0.05 "$PEER_V4" > /dev/null
  echo "$(( $(txq_packets 0) - a0 )) $(( $(txq_packets 1) - a1 ))"
}
on_queue() { # on_queue CPU Q: pings from CPU go out on tx queue Q (>= 30 packets there, < 5 on the other)
  local d; d=($(pinned_ping "$1"))
  local mine=${d[$2]} other=${d[$((1 - $2))]}
  [ "$mine" -ge 30 ] && [ "$other" -lt 5 ] || { echo "tx-0/tx-1 deltas: ${d[*]}"; return 1; }
}
setup2() { ethtool -L "$DUT_IF" combined 2 && wait_for 'carrier_is 1' 30 && wait_reachable 30; }
check "two queue pairs" setup2
check "default xps_cpus: tx-0 -> CPU 0, tx-1 -> CPU 1" sh_c \
  "[ \$((16#\$(cat $Q/tx-0/xps_cpus))) = 1 ] && [ \$((16#\$(cat $Q/tx-1/xps_cpus))) = 2 ]"
check "sender on CPU 0 counted on tx-0" on_queue 0 0
check "sender on CPU 1 counted on tx-1" on_queue 1 1
check "xps_cpus swapped (tx-0 -> CPU 1, tx-1 -> CPU 0)" sh_c "echo 2 > $Q/tx-0/xps_cpus && echo 1 > $Q/tx-1/xps_cpus"
check "after the swap, sender on CPU 0 counted on tx-1" on_queue 0 1
check "after the swap, sender on CPU 1 counted on tx-0" on_queue 1 0

# RPS: one queue, its interrupt on CPU 0 (vector 0's affinity).
setup1() { ethtool -L "$DUT_IF" combined 1 && wait_for 'carrier_is 1' 30 && wait_reachable 30; }
check "one queue pair" setup1
check "rx-0 has rps_cpus and rps_flow_cnt knobs" test -w "$Q/rx-0/rps_cpus" -a -w "$Q/rx-0/rps_flow_cnt"
# rx_on CPU: 100 pings from the peer; the DUT processed (nearly) all of them on CPU.
rx_on() {
  local b; b=$(processed_on "$1")
  in_peer ping -q -c 100 -i 0.02 "$DUT_V4" > /dev/null
  local d=$(( $(processed_on "$1") - b ))
  [ "$d" -ge 95 ] || { echo "CPU $1 processed $d of 100"; return 1; }
}
check "rps_cpus off: received packets processed on CPU 0 (the queue's interrupt CPU)" rx_on 0
check "rps_cpus of rx-0 = CPU 1" sh_c "echo 2 > $Q/rx-0/rps_cpus"
check "RPS on: received packets processed on CPU 1" rx_on 1

# RFS: packets follow the consumer's CPU. One fixed flow (ports 7001 -> 7000) for both runs: plain RPS over
# CPUs 0-1 would send it to the same CPU both times, so only RFS passes both.
check "RFS tables: rps_sock_flow_entries 4096, rx-0 rps_flow_cnt 4096, rps_cpus CPUs 0-1" sh_c \
  "echo 4096 > /proc/sys/net/core/rps_sock_flow_entries && echo 4096 > $Q/rx-0/rps_flow_cnt && echo 3 > $Q/rx-0/rps_cpus"
# rfs_to CPU: a UDP receiver pinned to CPU consumes 200 datagrams; >= 180 processed on CPU.
rfs_to() {
  local b; b=$(processed_on "$1")
  taskset -c "$1" python3 -c "
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('$DUT_V4', 7000)); s.settimeout(30)
s.connect(('$PEER_V4', 7001))  # RFS records the flow of connected sockets only
open('/tmp/rfs.ready', 'w').close()
for _ in range(200): s.recv(100)" & local rpid=$!
  wait_for '[ -f /tmp/rfs.ready ]' 20; rm -f /tmp/rfs.ready
  in_peer python3 -c "
import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('$PEER_V4', 7001))
for _ in range(400): s.sendto(b'x' * 64, ('$DUT_V4', 7000)); time.sleep(0.005)"
  wait "$rpid" || { echo "receiver did not get 200 datagrams"; return 1; }
  local d=$(( $(processed_on "$1") - b ))
  [ "$d" -ge 180 ] || { echo "CPU $1 processed $d (want >= 180 of the flow)"; return 1; }
}
check "RFS: consumer on CPU 1, flow processed on CPU 1" rfs_to 1
check "RFS: consumer on CPU 0, flow processed on CPU 0" rfs_to 0
check "kernel log clean" dmesg_clean
tap_end
