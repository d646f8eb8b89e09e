#!/bin/bash
# Jumbo frames: MTU 9000 on both ends, 8000-byte pings with DF set, a file transfer with a sha256 check (igb;
# e1000 too when RXGBE_MTU_ALL=1), then MTU 1500 restored and traffic checked again. MTUs outside the device's
# range are refused and change nothing. At MTU 1500 the 82576 drops a longer frame from the peer.
. /host/selftests/lib.sh
tap_begin

max_mtu=$(ip -d link show "$DUT_IF" | awk '{for (i = 1; i < NF; i++) if ($i == "maxmtu") print $(i + 1)}')
case $DEVICE in igb) want_max=9198 ;; e1000) want_max=16110 ;; esac
check "max MTU is $want_max (the MAC's largest frame)" test "$max_mtu" = "$want_max"
refuse_mtu() { ! ip link set "$DUT_IF" mtu "$1" && [ "$(cat /sys/class/net/$DUT_IF/mtu)" = 1500 ]; }
check "MTU $((want_max + 1)) refused, MTU still 1500" refuse_mtu $((want_max + 1))
check "MTU 67 refused, MTU still 1500" refuse_mtu 67

set_mtu() { # set_mtu N: both ends; the DUT may reset its link on an MTU change, so wait for carrier again
  ip link set "$DUT_IF" mtu "$1" && in_peer ip link set "$PEER_IF" mtu "$1" &&
    [ "$(cat /sys/class/net/$DUT_IF/mtu)" = "$1" ] &&
    wait_for 'carrier_is 1' 30 && wait_reachable 30
}
restore() { ip link set "$DUT_IF" mtu 1500; in_peer ip link set "$PEER_IF" mtu 1500; }
trap restore EXIT

check "MTU 9000 on DUT and peer, link back" set_mtu 9000
check "IPv4 8000-byte ping DUT -> peer, DF" ping_ok -s 8000 -M do "$PEER_V4"
check "IPv4 8000-byte ping peer -> DUT, DF" peer_ping_ok -s 8000 -M do "$DUT_V4"
check "IPv6 8000-byte ping DUT -> peer, DF" ping_ok -6 -s 8000 -M do "$PEER_V6"
check "IPv4 8972-byte ping peer -> DUT, DF (full 9000 frame)" peer_ping_ok -s 8972 -M do "$DUT_V4"
if [ "$DEVICE" = igb ] || [ "${RXGBE_MTU_ALL:-0}" = 1 ]; then
  blob=/tmp/blob16
  mb=${RXGBE_MTU_BLOB_MB:-16}
  make_blob $blob "$mb"
  check "$mb MiB DUT -> peer at MTU 9000, sha256 equal" send_file tx $blob "$PEER_V4"
  check "$mb MiB peer -> DUT at MTU 9000, sha256 equal" send_file rx $blob "$DUT_V4"
  rm -f $blob.recv
fi
check "MTU 1500 restored, link back" set_mtu 1500
check "IPv4 ping after restore" ping_ok "$PEER_V4"
check "oversized frame refused at MTU 1500 (DF)" sh_c "! ping -c 1 -W 2 -s 8000 -M do $PEER_V4"
# At MTU 1500 the 82576's receive buffers are half pages (docs/ARCHITECTURE.md): longer frames must be dropped by
# the MAC (RLPML), never written past a buffer.
if [ "$DEVICE" = igb ]; then
  check "peer at MTU 9000: its 2000-byte frames to the DUT are dropped, no reply" sh_c "in_peer ip link set $PEER_IF mtu 9000 && ! in_peer ping -c 3 -i 0.2 -W 1 -s 2000 -M do $DUT_V4"
  check "peer back at MTU 1500: 1472-byte pings both ways" sh_c "in_peer ip link set $PEER_IF mtu 1500 && peer_ping_ok -s 1472 -M do $DUT_V4 && ping_ok -s 1472 -M do $PEER_V4"
fi
trap - EXIT
tap_end
