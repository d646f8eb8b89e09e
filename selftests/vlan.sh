#!/bin/bash
# VLAN offloads: tag insertion (txvlan) and stripping (rxvlan) in every on/off combination carry pings and a
# sha256-checked file both ways over an 802.1Q interface (a tag the MAC failed to insert, or a stripped tag the
# driver failed to hand over, would leave the VLAN interface deaf); the MAC's VLAN filter admits exactly the
# VLANs the stack registered (frames of other VLANs never reach the driver's counters), follows VLAN removal, and
# steps aside in promiscuous mode and with rx-vlan-filter off.
. /host/selftests/lib.sh
tap_begin
kb=${RXGBE_OFFLOAD_KB:-1024}
blob=/tmp/blob-vlan
[ -s $blob ] || head -c "${kb}K" /dev/urandom > $blob
feature() { ethtool -k "$DUT_IF" | awk -v f="$1:" '$1 == f {$1 = ""; sub(/^ /, ""); print; exit}'; }
V=$DUT_IF.100
cleanup() {
  ip link del "$V" 2>/dev/null; in_peer ip link del vlan100 2>/dev/null; in_peer ip link del vlan200 2>/dev/null
  ethtool -K "$DUT_IF" rxvlan on txvlan on rx-vlan-filter on >/dev/null 2>&1; ip link set "$DUT_IF" promisc off
}
trap cleanup EXIT

for f in rx-vlan-offload tx-vlan-offload rx-vlan-filter; do
  check "$f on" test "$(feature $f)" = on
done

ip link add link "$DUT_IF" name "$V" type vlan id 100 && ip addr add 198.51.100.1/24 dev "$V" && ip link set "$V" up
in_peer ip link add link "$PEER_IF" name vlan100 type vlan id 100
in_peer ip addr add 198.51.100.2/24 dev vlan100
in_peer ip link set vlan100 up
check "VLAN 100 interface up on both ends" sh_c "wait_for 'ping -c 1 -W 1 198.51.100.2' 30"

for rxv in on off; do for txv in on off; do
  ethtool -K "$DUT_IF" rxvlan $rxv txvlan $txv >/dev/null 2>&1
  state="rxvlan $(feature rx-vlan-offload) txvlan $(feature tx-vlan-offload)"
  check "[$state] negotiated as asked" test "$state" = "rxvlan $rxv txvlan $txv"
  check "[$state] ping over VLAN 100 both ways" sh_c "ping_ok 198.51.100.2 && peer_ping_ok 198.51.100.1"
  check "[$state] ${kb} KiB each way over VLAN 100, sha256 equal" \
    sh_c "send_file tx $blob 198.51.100.2 && send_file rx $blob 198.51.100.1"
done; done
ethtool -K "$DUT_IF" rxvlan on txvlan on >/dev/null 2>&1

# vlan_frames VID: the peer sends 200 unicast ICMP echo requests to the DUT's MAC tagged VID (a static neighbour,
# so no ARP is needed); prints how many frames reached the driver (its rx_packets delta).
in_peer ip link add link "$PEER_IF" name vlan200 type vlan id 200
in_peer ip addr add 203.0.113.2/24 dev vlan200
in_peer ip link set vlan200 up
in_peer ip neigh replace 203.0.113.1 lladdr "$DUT_MAC" dev vlan200 nud permanent
in_peer ip neigh replace 198.51.100.1 lladdr "$DUT_MAC" dev vlan100 nud permanent
vlan_frames() {
  local dst=203.0.113.1 r0
  [ "$1" = 100 ] && dst=198.51.100.1
  r0=$(stat_of rx_packets)
  in_peer ping -q -c 200 -i 0.002 -W 1 "$dst" >/dev/null 2>&1
  # The last frames may still be in the driver's hands: wait until the counter stops moving.
  local prev=-1 now
  while now=$(stat_of rx_packets); [ "$now" != "$prev" ]; do prev=$now; nap 0.5; done
  echo $((now - r0))
}
n=$(vlan_frames 200); check "filter on: frames of unregistered VLAN 200 stopped by the MAC ($n < 20 of 200)" test "$n" -lt 20
n=$(vlan_frames 100); check "filter on: frames of registered VLAN 100 pass ($n >= 200)" test "$n" -ge 200
ip link set "$DUT_IF" promisc on
n=$(vlan_frames 200); check "promiscuous: VLAN 200 frames reach the driver ($n >= 200)" test "$n" -ge 200
ip link set "$DUT_IF" promisc off
ethtool -K "$DUT_IF" rx-vlan-filter off >/dev/null 2>&1
check "rx-vlan-filter off" test "$(feature rx-vlan-filter)" = off
n=$(vlan_frames 200); check "filter off: VLAN 200 frames reach the driver ($n >= 200)" test "$n" -ge 200
ethtool -K "$DUT_IF" rx-vlan-filter on >/dev/null 2>&1
n=$(vlan_frames 200); check "filter back on: VLAN 200 stopped again ($n < 20)" test "$n" -lt 20
ip link del "$V"
n=$(vlan_frames 100); check "VLAN 100 removed: its frames stopped by the MAC ($n < 20)" test "$n" -lt 20
trap - EXIT
cleanup
check "untagged traffic still flows" ping_ok "$PEER_V4"
check "kernel log clean" dmesg_clean
tap_end
