#!/bin/bash
# AF_XDP: selftests/xsk_probe.c (built by scripts/bpf.sh) binds a socket to queue 0, attaches a driver-mode
# program redirecting one UDP port to it, and echoes every datagram from the socket's memory; the peer checks
# each answer byte for byte (udp_echo_client.py). In zero-copy mode the frames go from the device into the
# socket's memory and out again without a copy; copy mode must work alike. Also: zero-copy rings survive a ring
# resize, an MTU the socket's buffers cannot take is refused, and the program goes with the socket.
. /host/selftests/lib.sh
tap_begin
PROBE=/host/build/bpf/xsk_probe PORT=9099 SEQ=150 BURST=100
[ -x "$PROBE" ] || { not_ok "AF_XDP probe built (scripts/bpf.sh)"; tap_end; exit 1; }
xdp_mode() { ip -d -j link show dev "$DUT_IF" | jq -r '.[0].xdp.mode // 0'; }
qstat() { ethtool -S "$DUT_IF" | awk -v n="$1" '$1 ~ "^(rx|tx)-[0-9]+-" n ":$" { s += $2 } END { print s + 0 }'; }
# Every flow to queue 0, where the socket is bound (on a MAC with several queues).
multi=$([ "$(ethtool_max -l Combined)" -gt 1 ] 2>/dev/null && echo 1)
[ -n "$multi" ] && ethtool -X "$DUT_IF" equal 1

# echo_run NAME MODE [during]: one probe run of SEQ+BURST datagrams; `during` runs once the probe is ready.
echo_run() {
  local name=$1 mode=$2 during=${3:-} ppid rc r0 answer
  rm -f /tmp/xsk.out
  "$PROBE" "$DUT_IF" 0 "$mode" $((SEQ + BURST)) "$PORT" 120 > /tmp/xsk.out 2>/tmp/xsk.err & ppid=$!
  if ! wait_for 'grep -q ready /tmp/xsk.out' 30; then
    not_ok "$name: socket bound, program attached" "$(cat /tmp/xsk.out /tmp/xsk.err)"; kill "$ppid"; wait "$ppid"
    return
  fi
  local want=zerocopy; [ "$mode" = copy ] && want=copy
  check "$name: bound in $want mode, program in driver mode" sh_c \
    'grep -qx "mode='$want'" /tmp/xsk.out && [ "$(xdp_mode)" = 1 ]'
  [ -n "$during" ] && eval "$during"
  r0=$(qstat xdp-redirect)
  answer=$(in_peer python3 /host/selftests/udp_echo_client.py "$DUT_V4" "$PORT" "$SEQ" "$BURST" 2>&1)
  check "$name: all $((SEQ + BURST)) datagrams echoed intact ($answer)" sh_c \
    '[ "$answer" = "ok=$((SEQ + BURST)) bad=0 lost=0" ]'
  wait "$ppid"; rc=$?
  check "$name: probe echoed every datagram ($(grep echoed= /tmp/xsk.out))" sh_c "[ $rc = 0 ]" ||
    diag "$(cat /tmp/xsk.err)"
  check "$name: redirects counted (xdp-redirect >= $((SEQ + BURST)))" sh_c \
    '[ $(( $(qstat xdp-redirect) - r0 )) -ge $((SEQ + BURST)) ]'
  check "$name: program gone with the socket" sh_c 'wait_for "[ \"\$(xdp_mode)\" = 0 ]" 10'
}

echo_run "zero-copy" zc
echo_run "copy mode" copy
# While the probe runs: a ring resize restarts the rings on the socket's buffers, an MTU whose frames
# the socket's 2048-byte chunks cannot hold is refused.
rx0=$(ethtool_now -g RX)
echo_run "zero-copy across a ring resize" zc '
  check "ring resize with a zero-copy socket bound" sh_c "ethtool -G $DUT_IF rx 512 && ethtool -G $DUT_IF rx $rx0 && wait_for \"carrier_is 1\" 20"
  check "MTU 3000 refused with a zero-copy socket bound" sh_c "! ip link set $DUT_IF mtu 3000 2>/dev/null && [ \$(cat /sys/class/net/$DUT_IF/mtu) = 1500 ]"'
[ -n "$multi" ] && ethtool -X "$DUT_IF" default
check "peer reachable after the sockets are gone" sh_c 'wait_reachable 20 && ping_ok "$PEER_V4"'
check "kernel log clean" dmesg_clean
tap_end
