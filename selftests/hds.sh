#!/bin/bash
# Header split (`ethtool -G tcp-data-split`, the 82576's split receive descriptors): off by default, threshold 0.
# On, the MAC writes each IP frame's headers to a header buffer of their own and the rest to the packet buffer;
# the driver builds the skb from a copy of the headers plus the payload page (rx-N-hdr-split counts the frames).
# Files arrive intact over IPv4, IPv6 and at MTU 9000 (a frame then spans several packet buffers), a flow rule
# still classifies split frames, ring resizes keep the setting, single-buffer XDP and LRO are refused while it is
# on, and off again brings back whole-frame receive. The 82540EM has no header split: refused.
. /host/selftests/lib.sh
tap_begin
BPF=/host/build/bpf
blob=/tmp/blob-hds
make_blob $blob 4

# split_now: the "TCP data split" line of ethtool -g (on, off, or n/a when the device does not report it).
split_now() { ethtool -g "$DUT_IF" | awk -F':[ \t]*' '$1 == "TCP data split" {print $2}'; }
# split_sum: rx-N-hdr-split summed over the queues.
split_sum() { ethtool -S "$DUT_IF" | awk '$1 ~ /^rx-[0-9]+-hdr-split:$/ {s += $2} END {print s + 0}'; }
qstat() { ethtool -S "$DUT_IF" | awk -v n="$1" '$1 ~ "^(rx|tx)-[0-9]+-" n ":$" { s += $2 } END { print s + 0 }'; }
lro_state() { ethtool -k "$DUT_IF" | awk '$1 == "large-receive-offload:" { print $2 }'; }
restore() {
  ip link set "$DUT_IF" xdpdrv off 2>/dev/null
  ethtool -N "$DUT_IF" delete 7 2>/dev/null; ethtool -K "$DUT_IF" ntuple off 2>/dev/null
  ip link set "$DUT_IF" mtu 1500; in_peer ip link set "$PEER_IF" mtu 1500
  ethtool -G "$DUT_IF" tcp-data-split off rx 256 2>/dev/null
}
trap restore EXIT
# A file of 4 MiB is about 2900 full-size TCP segments: at least 2000 of them must have been split.
split_during() {
  local before after
  before=$(split_sum) && "$@" && after=$(split_sum) || return 1
  echo "hdr-split: $before -> $after"
  [ $((after - before)) -ge "${MIN_SPLIT:-2000}" ]
}

if [ "$DEVICE" = e1000 ]; then
  check "82540EM: no header split reported" sh_c '[ "$(split_now)" != on ]'
  check "82540EM: tcp-data-split on refused (not supported)" \
    sh_c "ethtool -G $DUT_IF tcp-data-split on 2>&1 | grep -q 'not supported' && [ \"\$(split_now)\" != on ]"
  check "file from the peer still intact" send_file rx $blob "$DUT_V4"
  tap_end; exit
fi

check "off by default, threshold 0" sh_c '[ "$(split_now)" = off ] && ethtool -g $DUT_IF | grep -qE "^HDS thresh:[[:space:]]+0$"'
check "tcp-data-split on" sh_c 'ethtool -G $DUT_IF tcp-data-split on && [ "$(split_now)" = on ]'
check "file from the peer intact over IPv4, its frames split" split_during send_file rx $blob "$DUT_V4"
check "file from the peer intact over IPv6, its frames split" split_during send_file rx $blob "$DUT_V6"
check "file to the peer intact (transmit unaffected)" send_file tx $blob "$PEER_V4"

check "ring resize keeps header split" sh_c 'ethtool -G $DUT_IF rx 512 && [ "$(split_now)" = on ] &&
  [ "$(ethtool_now -g RX)" = 512 ]'
check "split after the resize, file intact" split_during send_file rx $blob "$DUT_V4"

# A drop rule must match on the split-off headers: UDP frames are split after their UDP header.
udp_burst() { local i; for i in 1 2 3 4 5; do in_peer bash -c "echo hds > /dev/udp/$DUT_V4/7140"; done; }
check "drop rule classifies split frames" sh_c '
  ethtool -K $DUT_IF ntuple on && ethtool -N $DUT_IF flow-type udp4 dst-port 7140 action -1 loc 7 &&
  d0=$(qstat ntuple-drops) && udp_burst && wait_for "[ \$(qstat ntuple-drops) -ge \$((d0 + 5)) ]" 10 &&
  ethtool -N $DUT_IF delete 7 && ethtool -K $DUT_IF ntuple off'

# Headers longer than the 256-byte header buffer stay with the frame in the packet buffer (the MAC flags HBO):
# IPv6 + 264 bytes of destination options + UDP make 326 header bytes. The datagram must arrive unchanged.
long_headers() {
  local got
  python3 -c 'import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::", 7150))
s.settimeout(30); print(s.recvfrom(2000)[0].decode())' > /tmp/hbo.out &
  local rpid=$!
  wait_for "ss -lun | grep -q ':7150 '" 15 || return 1
  # Two unknown options of type 0x1e (skipped by receivers), 264 bytes in all: header length (32 + 1) * 8.
  in_peer python3 -c 'import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
opt = bytes([0, 32, 0x1e, 128]) + bytes(128) + bytes([0x1e, 130]) + bytes(130)
s.setsockopt(socket.IPPROTO_IPV6, 59, opt); s.sendto(b"long-headers " * 20, ("'"$DUT_V6"'", 7150))' || return 1
  wait "$rpid" || return 1
  got=$(cat /tmp/hbo.out); echo "received: ${got:0:40}..."
  [ "$got" = "$(printf 'long-headers %.0s' $(seq 20))" ]
}
check "headers longer than the header buffer: datagram intact" long_headers

check "MTU 9000 on both sides" sh_c 'ip link set $DUT_IF mtu 9000 && in_peer ip link set $PEER_IF mtu 9000 &&
  wait_for "carrier_is 1" 20 && wait_reachable 20'
MIN_SPLIT=400 check "jumbo frames split over several buffers, file intact" split_during send_file rx $blob "$DUT_V4"
check "back to MTU 1500" sh_c 'ip link set $DUT_IF mtu 1500 && in_peer ip link set $PEER_IF mtu 1500 &&
  wait_for "carrier_is 1" 20 && wait_reachable 20'

check "LRO refused while headers are split" sh_c '! ethtool -K $DUT_IF lro on >/dev/null 2>&1; [ "$(lro_state)" = off ]'
# The refused request stays wanted, and would turn LRO on once headers are no longer split: withdraw it.
ethtool -K "$DUT_IF" lro off >/dev/null 2>&1 || true
check "single-buffer XDP refused while headers are split" \
  sh_c '! ip link set dev $DUT_IF xdpdrv obj $BPF/xdp_pass.o sec xdp 2>/dev/null && [ -z "$(ip -j link show $DUT_IF | jq -r ".[0].xdp // empty")" ]'

check "tcp-data-split off" sh_c 'ethtool -G $DUT_IF tcp-data-split off && [ "$(split_now)" = off ]'
check "off: file intact, nothing split" sh_c 's0=$(split_sum) && send_file rx $blob "$DUT_V4" && [ "$(split_sum)" = "$s0" ]'
check "XDP attaches again once off" sh_c 'ip link set dev $DUT_IF xdpdrv obj $BPF/xdp_pass.o sec xdp &&
  ip link set dev $DUT_IF xdpdrv off'
check "link up and peer reachable" sh_c 'wait_for "carrier_is 1" 20 && wait_reachable 20'
tap_end
