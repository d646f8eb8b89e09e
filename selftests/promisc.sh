#!/bin/bash
# Unicast receive filter: frames from the peer to a MAC that is not the DUT's must not reach the DUT's stack
# with promisc off, must with promisc on, and must not again after promisc off.
. /host/selftests/lib.sh
tap_begin
FOREIGN=52:54:00:aa:bb:cc
N=200
trap 'ip link set "$DUT_IF" promisc off' EXIT

probe() { # probe NAME EXPECT(none|all)
  local out seen rx
  out=$(rawpkt_probe $FOREIGN $N) || { not_ok "$1" "probe failed: $out"; return; }
  seen=$(echo "$out" | sed -n 's/.*seen=\([0-9]*\).*/\1/p'); rx=${out##*rx_delta=}
  diag "$1: $out"
  if [ "$2" = none ]; then
    # rx_packets may count the sentinel and stray ND/ARP frames, never the $N foreign ones.
    [ "$seen" = 0 ] && [ "$rx" -lt $((N / 2)) ] && ok "$1" || not_ok "$1" "foreign frames received: seen=$seen rx_delta=$rx"
  else
    [ "$seen" = $N ] && [ "$rx" -ge $N ] && ok "$1" || not_ok "$1" "expected $N: seen=$seen rx_delta=$rx"
  fi
}

ip link set "$DUT_IF" promisc off
check "promisc flag off" sh_c "! ip link show $DUT_IF | grep -q PROMISC"
probe "promisc off: frames to $FOREIGN filtered" none
check "promisc on" sh_c "ip link set $DUT_IF promisc on && ip link show $DUT_IF | grep -q PROMISC"
probe "promisc on: all $N frames to $FOREIGN received and counted" all
check "promisc off again" sh_c "ip link set $DUT_IF promisc off && ! ip link show $DUT_IF | grep -q PROMISC"
probe "promisc off again: frames to $FOREIGN filtered" none
check "traffic still works" ping_ok "$PEER_V4"
trap - EXIT
tap_end
