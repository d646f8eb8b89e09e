#!/bin/bash
# netconsole (netpoll) through the driver while it carries traffic both ways: netpoll calls the transmit path
# with interrupts off and polls the queues from there, which must neither deadlock (rxgbe once re-enabled
# softirqs in its transmit path, whose receive processing then spun on the queue lock netpoll held) nor trip
# lockdep. The kernel messages written meanwhile must reach the peer over UDP.
. /host/selftests/lib.sh
tap_begin
NC=/sys/kernel/config/netconsole/rxgbe
PORT=6666 N=300
restore() {
  [ -d "$NC" ] && { echo 0 > "$NC/enabled"; rmdir "$NC"; }
  pkill -f "UDP-RECV:$PORT" 2>/dev/null
  peer_iperf3_stop
}
trap restore EXIT
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
check "netconsole target on $DUT_IF -> $PEER_V4:$PORT" sh_c "mkdir -p $NC && echo $DUT_IF > $NC/dev_name &&
  echo $DUT_V4 > $NC/local_ip && echo $PEER_V4 > $NC/remote_ip && echo $PORT > $NC/remote_port &&
  echo 1 > $NC/enabled"
in_peer socat -u "UDP-RECV:$PORT" CREATE:/tmp/netconsole.recv & rpid=$!
wait_for "in_peer ss -lun | grep -q ':$PORT '" 15
peer_iperf3_server
# Traffic both ways: the peer sends (receive softirqs on the DUT) while the DUT sends too.
iperf3 -c "$PEER_V4" -t 20 --bidir >/tmp/netconsole-iperf.log 2>&1 & ipid=$!
wait_for "[ \$(stat_of rx_bytes) -gt 2000000 ]" 20
for i in $(seq 1 $N); do echo "rxgbe-netconsole $i" > /dev/kmsg; done
echo "rxgbe-netconsole end" > /dev/kmsg
wait "$ipid"; irc=$?
check "iperf3 both ways completed during the messages" sh_c "[ $irc = 0 ] && grep -q receiver /tmp/netconsole-iperf.log"
check "the last message reached the peer" wait_for "grep -q 'rxgbe-netconsole end' /tmp/netconsole.recv" 30
got=$(grep -c 'rxgbe-netconsole [0-9]' /tmp/netconsole.recv)
check "messages at the peer: $got of $N (netpoll may drop some under load, most arrive)" sh_c "[ $got -ge $((N / 2)) ]"
kill "$rpid" 2>/dev/null
check "peer reachable" wait_reachable 30
check "kernel log clean" dmesg_clean
tap_end
