#!/bin/bash
# XDP in driver mode (ip link set ... xdpdrv): the programs of selftests/bpf/xdp_progs.bpf.c (built by
# scripts/bpf.sh) run on every received frame. PASS must keep the data path intact (sha256-checked transfer),
# DROP and ABORT must stop traffic and count, and the echo programs answer the peer's ping themselves while the
# kernel ignores echo requests: through XDP_TX, and through XDP_REDIRECT back out of the device (ndo_xdp_xmit).
# Also: MTUs a program cannot take are refused both ways, LRO is off while a program runs, the program
# survives down/up and ring or queue changes, and attaching or detaching under traffic loses no connection.
. /host/selftests/lib.sh
tap_begin
BPF=/host/build/bpf

# xdp_mode: the DUT's XDP attach mode (0 none, 1 driver, 2 generic).
xdp_mode() { ip -d -j link show dev "$DUT_IF" | jq -r '.[0].xdp.mode // 0'; }
# xdp_attach PROG [ip args]: replaces the DUT's driver-mode program by build/bpf/xdp_PROG.o.
xdp_attach() { local p=$1; shift; ip -force link set dev "$DUT_IF" "$@" xdpdrv obj "$BPF/xdp_$p.o" sec xdp; }
xdp_detach() { ip link set dev "$DUT_IF" xdpdrv off; }
# qstat NAME: NAME summed over the DUT's queues (ethtool -S rx-N-NAME / tx-N-NAME).
qstat() { ethtool -S "$DUT_IF" | awk -v n="$1" '$1 ~ "^(rx|tx)-[0-9]+-" n ":$" { s += $2 } END { print s + 0 }'; }
lro_state() { ethtool -k "$DUT_IF" | awk '$1 == "large-receive-offload:" { print $2 }'; }
# peer_ping_count N [ping args]: the number of N echo requests the peer got answers to.
peer_ping_count() {
  local n=$1; shift
  in_peer ping -c "$n" -i 0.05 -W 2 "$@" "$DUT_V4" | awk '/packets transmitted/ { print $4 }'
}

for p in pass drop abort echo_tx echo_redirect; do
  [ -f "$BPF/xdp_$p.o" ] || { not_ok "XDP programs built (scripts/bpf.sh): xdp_$p.o missing"; tap_end; exit 1; }
done
check "per-queue XDP counters listed (ethtool -S)" sh_c \
  'ethtool -S "$DUT_IF" | grep -q "rx-0-xdp-drop:" && ethtool -S "$DUT_IF" | grep -q "tx-0-xdp-xmit:"'
lro0=$(lro_state)
# LRO (rxgbe's own) where the MAC gives checksum verdicts: it must go while a program is attached.
lro_offered=$(ethtool -k "$DUT_IF" | awk '$1 == "large-receive-offload:" && $3 != "[fixed]" { print 1 }')
[ -n "$lro_offered" ] && ethtool -K "$DUT_IF" lro on

# --- PASS: attached in driver mode, the data path unchanged. ---
check "attach PASS program in driver mode" xdp_attach pass
check "attach mode is driver (native), not generic" sh_c '[ "$(xdp_mode)" = 1 ]'
if [ -n "$lro_offered" ]; then
  check "LRO off while a program is attached" sh_c '[ "$(lro_state)" = off ]'
  check "LRO cannot be turned on while attached" sh_c \
    'ethtool -K "$DUT_IF" lro on 2>/dev/null; [ "$(lro_state)" = off ]'
fi
check "peer reachable through PASS" sh_c 'wait_reachable 20 && ping_ok "$PEER_V4" && ping_ok "$PEER_V6"'
make_blob /tmp/xdp.blob "${RXGBE_MTU_BLOB_MB:-16}"
check "sha256-checked transfer from the peer through PASS" send_file rx /tmp/xdp.blob "$DUT_V4"
check "sha256-checked transfer to the peer with PASS attached" send_file tx /tmp/xdp.blob "$PEER_V4"

# --- DROP and ABORT: nothing reaches the stack, every frame counted. ---
d0=$(qstat xdp-drop) r0=$(stat_of rx_packets)
check "replace PASS with DROP" xdp_attach drop
check "no echo answered through DROP" sh_c '[ "$(peer_ping_count 5)" = 0 ]'
check "DROP counted per queue (xdp-drop >= 5)" sh_c '[ $(( $(qstat xdp-drop) - d0 )) -ge 5 ]'
check "dropped frames still count as received (rx_packets)" sh_c '[ $(( $(stat_of rx_packets) - r0 )) -ge 5 ]'
a0=$(qstat xdp-aborted)
check "replace DROP with ABORT" xdp_attach abort
check "no echo answered through ABORT" sh_c '[ "$(peer_ping_count 5)" = 0 ]'
check "ABORT counted per queue (xdp-aborted >= 5)" sh_c '[ $(( $(qstat xdp-aborted) - a0 )) -ge 5 ]'

# --- XDP_TX and XDP_REDIRECT: the programs answer echo requests; the kernel ignores them. ---
sysctl -qw net.ipv4.icmp_echo_ignore_all=1
check "kernel ignores echo requests (PASS: no answers)" sh_c 'xdp_attach pass && [ "$(peer_ping_count 3)" = 0 ]'
t0=$(qstat xdp-tx) tx0=$(stat_of tx_packets)
check "attach echo program (XDP_TX)" xdp_attach echo_tx
check "all 40 echo requests answered by XDP_TX" sh_c '[ "$(peer_ping_count 40)" = 40 ]'
check "all 40 answered with 1400-byte payloads" sh_c '[ "$(peer_ping_count 40 -s 1400)" = 40 ]'
check "XDP_TX counted (xdp-tx >= 80)" sh_c '[ $(( $(qstat xdp-tx) - t0 )) -ge 80 ]'
check "XDP_TX frames counted as transmitted (tx_packets >= 80)" sh_c \
  '[ $(( $(stat_of tx_packets) - tx0 )) -ge 80 ]'
rd0=$(qstat xdp-redirect) x0=$(qstat xdp-xmit)
check "attach echo program (XDP_REDIRECT to the receiving device)" xdp_attach echo_redirect
check "all 40 echo requests answered through redirect" sh_c '[ "$(peer_ping_count 40)" = 40 ]'
check "redirects counted (xdp-redirect >= 40)" sh_c '[ $(( $(qstat xdp-redirect) - rd0 )) -ge 40 ]'
check "redirected frames sent by ndo_xdp_xmit (xdp-xmit >= 40)" sh_c '[ $(( $(qstat xdp-xmit) - x0 )) -ge 40 ]'
check "no XDP frame refused for a full ring" sh_c '[ "$(qstat xdp-full)" = 0 ]'

# --- Reconfiguration keeps the program. ---
rx0=$(ethtool_now -g RX)
check "ring resize with a program attached" ethtool -G "$DUT_IF" rx 512
check "program still attached and answering after resize" sh_c \
  '[ "$(xdp_mode)" = 1 ] && wait_for "carrier_is 1" 20 && [ "$(peer_ping_count 10)" = 10 ]'
ethtool -G "$DUT_IF" rx "$rx0"
if [ "$(ethtool_max -l Combined)" -gt 1 ] 2>/dev/null; then
  q0=$(ethtool_now -l Combined)
  check "queue count change with a program attached" ethtool -L "$DUT_IF" combined 1
  check "answering on one queue" sh_c 'wait_for "carrier_is 1" 20 && [ "$(peer_ping_count 10)" = 10 ]'
  ethtool -L "$DUT_IF" combined "$q0"
fi
# (Down drops the IPv6 addresses: setup_dut brings the interface up with them again.)
check "down/up keeps the program" sh_c 'ip link set "$DUT_IF" down && setup_dut &&
  [ "$(xdp_mode)" = 1 ] && [ "$(peer_ping_count 10)" = 10 ]'
sysctl -qw net.ipv4.icmp_echo_ignore_all=0

# --- MTUs a single-buffer program cannot take. ---
check "MTU 3000 refused while a program is attached" sh_c '! ip link set "$DUT_IF" mtu 3000 2>/dev/null'
check "MTU unchanged after the refusal" sh_c '[ "$(cat /sys/class/net/$DUT_IF/mtu)" = 1500 ]'
check "detach" xdp_detach
check "no program after detach" sh_c '[ "$(xdp_mode)" = 0 ]'
if ip link set "$DUT_IF" mtu 3000 2>/dev/null; then
  msg=$(xdp_attach pass 2>&1); rc=$?
  check "attach refused at MTU 3000, with a reason" sh_c \
    '[ '$rc' != 0 ] && echo "$msg" | grep -q "MTU too large for XDP"' || diag "$msg"
  check "nothing attached after the refusal" sh_c '[ "$(xdp_mode)" = 0 ]'
  ip link set "$DUT_IF" mtu 1500
fi

# --- Attach while down; attach and detach under traffic. ---
check "attach while down, then up" sh_c 'ip link set "$DUT_IF" down && xdp_attach pass && setup_dut &&
  [ "$(xdp_mode)" = 1 ] && wait_reachable 20'
peer_iperf3_server
timeout 120 iperf3 -c "$PEER_V4" -t 12 -R > /tmp/xdp-iperf.log 2>&1 & cpid=$!
p0=$(stat_of rx_packets)
wait_for '[ $(( $(stat_of rx_packets) - p0 )) -gt 200 ]' 30
for i in 1 2 3; do xdp_detach; xdp_attach pass; done
wait "$cpid"; rc=$?
check "TCP connection survives attach/detach under traffic" sh_c "[ $rc = 0 ]" || diag "$(tail -n 5 /tmp/xdp-iperf.log)"
peer_iperf3_stop
check "detach" xdp_detach
if [ -n "$lro_offered" ]; then
  check "LRO offered again after detach" sh_c 'ethtool -K "$DUT_IF" lro on && [ "$(lro_state)" = on ]'
  ethtool -K "$DUT_IF" lro "$lro0"
fi
check "peer reachable without a program" sh_c 'wait_reachable 20 && ping_ok "$PEER_V4"'
check "kernel log clean" dmesg_clean
tap_end
