#!/bin/bash
# ethtool diagnostics and link controls: -i counts, msglvl gating the link messages, -d register dump (checked
# against live state), -e NVM (address, checksum; writes refused), -T, -a/-A pause (programmed into CTRL) and
# pause statistics, the standard statistics groups (eth-mac, eth-ctrl, rmon) against known traffic, -p
# identify (LEDCTL), -s/-r link settings, and -t self-test online, offline under traffic (then a data-integrity
# transfer) and offline while down.
. /host/selftests/lib.sh
tap_begin
BLOB=/tmp/diag.blob
make_blob "$BLOB" 8
restore() {
  ethtool -s "$DUT_IF" msglvl 0x7 2>/dev/null
  ethtool -A "$DUT_IF" rx on tx on 2>/dev/null
  qemu_monitor "set_link dut on" >/dev/null
  ip link show "$DUT_IF" | grep -q '[<,]UP[,>]' || setup_dut
}
trap restore EXIT
info() { ethtool -i "$DUT_IF" | awk -F': ' -v k="$1" '$1 == k {print $2}'; }
# reg NAME: a register from the `ethtool -d` dump (layout version 1, docs/ethtool.md) as a decimal number.
REGDUMP="python3 $SELFTESTS/regdump.py"
reg() { ethtool -d "$DUT_IF" raw on | $REGDUMP "$DEVICE" "$1"; }
# group_stat GROUP NAME: a counter of a standard statistics group.
group_stat() { ethtool --json -S "$DUT_IF" --groups "$1" | jq -r ".[0][\"$1\"][\"$2\"]"; }
rmon_bucket() { # rmon_bucket rx|tx LOW: the histogram count of the bucket starting at LOW
  ethtool --json -S "$DUT_IF" --groups rmon | jq -r ".[0].rmon[\"$1-pktsNtoM\"][] | select(.low == $2) | .val"
}
# expect_fail MESSAGE CMD...: the command fails and says MESSAGE.
expect_fail() {
  local want=$1 out; shift
  if out=$("$@" 2>&1); then echo "accepted: $out"; return 1; fi
  echo "$out"; echo "$out" | grep -q "$want"
}

# --- -i ---
bus=$(basename "$(readlink -f /sys/class/net/$DUT_IF/device)")
check "-i: driver rxgbe, bus-info $bus" sh_c "[ \"$(info driver)\" = rxgbe ] && [ \"$(info bus-info)\" = $bus ]"
for s in statistics test eeprom-access register-dump; do
  check "-i: supports-$s yes" sh_c "[ \"$(info supports-$s)\" = yes ]"
done

# --- msglvl ---
link_msgs() { dmesg | grep -c "$DUT_IF: link \(up\|down\)"; }
bounce() { qemu_monitor "set_link dut off" >/dev/null && wait_for 'carrier_is 0' 15 &&
  qemu_monitor "set_link dut on" >/dev/null && wait_for 'carrier_is 1' 30; }
check "msglvl: default drv probe link" sh_c "ethtool $DUT_IF | grep -q 'Current message level: 0x00000007'"
n0=$(link_msgs)
check "msglvl 0: set" ethtool -s "$DUT_IF" msglvl 0
check "msglvl 0: link down/up logs nothing" sh_c "bounce && [ \$(link_msgs) = $n0 ]"
check "msglvl link: set" ethtool -s "$DUT_IF" msglvl link on
check "msglvl link: link down/up logged" sh_c "bounce && [ \$(link_msgs) -ge $((n0 + 2)) ]"
check "msglvl: peer reachable after the link changes" wait_reachable 30

# --- -d ---
ring=$(ethtool_now -g RX)
check "-d: STATUS reports link up" sh_c "[ \$(( \$(reg STATUS) & 2 )) = 2 ]"
check "-d: RCTL has the receiver enabled" sh_c "[ \$(( \$(reg RCTL) & 2 )) = 2 ]"
check "-d: RAL0/RAH0 hold the interface address" sh_c "[ \"\$(ethtool -d $DUT_IF raw on | $REGDUMP $DEVICE mac)\" = \"\$(cat /sys/class/net/$DUT_IF/address)\" ]"
check "-d: queue 0 RDLEN = $ring descriptors x 16" sh_c "[ \$(reg RDLEN0) = $((ring * 16)) ]"
check "-d: dump length as documented" sh_c "[ \$(ethtool -d $DUT_IF raw on | wc -c) = \$($REGDUMP $DEVICE length) ]"

# --- -e ---
nvm_len=$([ "$DEVICE" = igb ] && echo 512 || echo 128)
check "-e: $nvm_len bytes" sh_c "[ \$(ethtool -e $DUT_IF raw on | wc -c) = $nvm_len ]"
check "-e: words 0-2 hold the permanent address" sh_c "[ \"\$(ethtool -e $DUT_IF raw on | head -c 6 | od -An -tx1 | tr -s ' ' ':' | sed 's/^://;s/:$//')\" = \"\$(ethtool -P $DUT_IF | awk '{print \$3}')\" ]"
check "-e: words 0-0x3F sum to 0xBABA" sh_c "ethtool -e $DUT_IF raw on | head -c 128 | python3 -c 'import sys,struct; w=struct.unpack(\"<64H\", sys.stdin.buffer.read()); sys.exit(sum(w) & 0xffff != 0xbaba)'"
check "-E: writes refused" expect_fail "Operation not supported" ethtool -E "$DUT_IF" magic 0 offset 0 value 0

# --- -T ---
# The 82576's clock and hardware timestamps are timestamp.sh's; the 82540EM has neither.
if [ "$DEVICE" = igb ]; then
  check "-T: software and hardware timestamps, a PHC" sh_c "ethtool -T $DUT_IF | tee /dev/stderr | grep -q software-transmit && ethtool -T $DUT_IF | grep -q hardware-transmit && ! ethtool -T $DUT_IF | grep -q 'Hardware Clock: none'"
else
  check "-T: software timestamping, no PHC" sh_c "ethtool -T $DUT_IF | tee /dev/stderr | grep -q software-transmit && ethtool -T $DUT_IF | grep -q software-receive && ethtool -T $DUT_IF | grep -q 'Hardware Clock: none'"
fi

# --- -a/-A ---
ctrl_fc() { echo $(( ($(reg CTRL) >> 27) & 3 )); }  # bit 0 RFCE, bit 1 TFCE
check "-a: autoneg off, rx on, tx on" sh_c "ethtool -a $DUT_IF | tr -d '\t ' | grep -q '^Autonegotiate:off' && ethtool -a $DUT_IF | tr -d '\t ' | grep -q '^RX:on' && ethtool -a $DUT_IF | tr -d '\t ' | grep -q '^TX:on'"
check "-a: CTRL.RFCE and TFCE set" sh_c "[ \$(ctrl_fc) = 3 ]"
check "-A rx off tx off" ethtool -A "$DUT_IF" rx off tx off
check "-A: CTRL.RFCE and TFCE clear" sh_c "[ \$(ctrl_fc) = 0 ] && ethtool -a $DUT_IF | tr -d '\t ' | grep -q '^RX:off'"
check "-A rx on tx off: RFCE only" sh_c "ethtool -A $DUT_IF rx on tx off && [ \$(ctrl_fc) = 1 ]"
check "-A autoneg on: not supported" expect_fail "Operation not supported" ethtool -A "$DUT_IF" autoneg on
check "-A autoneg on: nothing changed" sh_c "[ \$(ctrl_fc) = 1 ]"
check "-A rx on tx on" sh_c "ethtool -A $DUT_IF rx on tx on && [ \$(ctrl_fc) = 3 ]"
check "-I -a: pause statistics" sh_c "ethtool -I -a $DUT_IF | tee /dev/stderr | grep -q tx_pause_frames"

# --- standard statistics groups, against 40 pings each way (98-byte ICMP frames, 1042 bytes with -s 1000) ---
N=40
rx0=$(group_stat eth-mac FramesReceivedOK) tx0=$(group_stat eth-mac FramesTransmittedOK)
ro0=$(group_stat eth-mac OctetsReceivedOK) bt0=$(group_stat eth-mac BroadcastFramesXmittedOK)
rb0=$(rmon_bucket rx 1024) tb0=$(rmon_bucket tx 1024)
check "traffic: $N pings of 1000 bytes from the peer" sh_c "in_peer ping -q -c $N -i 0.02 -s 1000 -W 2 $DUT_V4 | grep -q ' $N received'"
check "traffic: $N broadcast pings from the DUT" sh_c "ping -q -b -c $N -i 0.02 -W 1 192.0.2.255 >/dev/null 2>&1; true"
check "eth-mac: FramesReceivedOK +$N or more" sh_c "[ \$(( \$(group_stat eth-mac FramesReceivedOK) - $rx0 )) -ge $N ]"
check "eth-mac: FramesTransmittedOK +$N or more" sh_c "[ \$(( \$(group_stat eth-mac FramesTransmittedOK) - $tx0 )) -ge $N ]"
check "eth-mac: OctetsReceivedOK +$N x 1046 or more (FCS counted)" sh_c "[ \$(( \$(group_stat eth-mac OctetsReceivedOK) - $ro0 )) -ge $((N * 1046)) ]"
check "eth-mac: BroadcastFramesXmittedOK +$N or more" sh_c "[ \$(( \$(group_stat eth-mac BroadcastFramesXmittedOK) - $bt0 )) -ge $N ]"
check "eth-mac: FrameCheckSequenceErrors 0" sh_c "[ \$(group_stat eth-mac FrameCheckSequenceErrors) = 0 ]"
check "eth-ctrl: group answers" sh_c "ethtool --json -S $DUT_IF --groups eth-ctrl | jq -e '.[0][\"eth-ctrl\"]' >/dev/null"
check "rmon: rx 1024+ bucket +$N or more" sh_c "[ \$(( \$(rmon_bucket rx 1024) - $rb0 )) -ge $N ]"
check "rmon: tx 1024+ bucket +$N or more (echo replies)" sh_c "[ \$(( \$(rmon_bucket tx 1024) - $tb0 )) -ge $N ]"
check "rmon: six buckets each way, 64..1023 then 1024+" sh_c "[ \"\$(ethtool --json -S $DUT_IF --groups rmon | jq -c '[.[0].rmon[\"rx-pktsNtoM\"][].low]')\" = '[64,65,128,256,512,1024]' ]"

# --- -p ---
leds0=$(reg LEDCTL)
ethtool -p "$DUT_IF" 3 & idpid=$!
check "-p: LEDs forced on or off while identifying" wait_for "v=\$(reg LEDCTL); [ \$v = $((0x0E0E0E0E)) ] || [ \$v = $((0x0F0F0F0F)) ]" 3
wait "$idpid"
check "-p: LED control restored afterwards" sh_c "[ \$(reg LEDCTL) = $leds0 ]"

# --- -s / -r ---
check "-s speed 100 autoneg off: refused" expect_fail "Invalid argument" ethtool -s "$DUT_IF" speed 100 duplex full autoneg off
check "-s advertise 100baseT/Full: refused" expect_fail "Invalid argument" ethtool -s "$DUT_IF" advertise 0x008
check "-s autoneg on speed 1000 duplex full: accepted" ethtool -s "$DUT_IF" autoneg on speed 1000 duplex full
check "-s: still 1000Mb/s full, autoneg on" sh_c "ethtool $DUT_IF | grep -q 'Speed: 1000Mb/s' && ethtool $DUT_IF | grep -q 'Auto-negotiation: on'"
check "-r: renegotiates" ethtool -r "$DUT_IF"
check "-r: link up and peer reachable afterwards" wait_reachable 30

# --- -t ---
# A failing self-test logs why with msglvl hw.
ethtool -s "$DUT_IF" msglvl hw on
selftest() {
  ethtool -t "$DUT_IF" "$1" | tee /tmp/selftest.out
  grep -q 'The test result is PASS' /tmp/selftest.out || { dmesg | grep 'self-test' | tail -n 5; return 1; }
}
check "-t online: PASS" selftest online
check "-t online: link test result 0" sh_c "awk '/Link test/ {print \$NF}' /tmp/selftest.out | grep -qx 0"
settings() { ethtool -k "$DUT_IF"; ethtool -g "$DUT_IF"; ethtool -c "$DUT_IF"; ethtool -a "$DUT_IF"
  [ "$DEVICE" = e1000 ] || { ethtool -x "$DUT_IF"; ethtool -l "$DUT_IF"; }; }
settings > /tmp/diag-settings.before
peer_iperf3_server
iperf3 -c "$PEER_V4" -t 30 >/tmp/diag-iperf.log 2>&1 & ipid=$!
wait_for "[ \$(stat_of tx_bytes) -gt 1000000 ]" 20
check "-t offline under traffic: PASS (register, interrupt, loopback, link)" selftest offline
check "-t offline: four results, all 0" sh_c "[ \$(awk 'f && \$NF == 0 {n++} /extra info/ {f = 1} END {print n}' /tmp/selftest.out) = 4 ]"
kill "$ipid" 2>/dev/null; wait "$ipid" 2>/dev/null; peer_iperf3_stop
check "after -t offline: carrier and peer reachable" sh_c "wait_for 'carrier_is 1' 30 && wait_reachable 30"
check "after -t offline: 8 MiB DUT -> peer, sha256 equal" send_file tx "$BLOB" "$PEER_V4"
check "after -t offline: 8 MiB peer -> DUT, sha256 equal" send_file rx "$BLOB" "$DUT_V4"
check "after -t offline: features, rings, coalescing, pause, RSS and channels unchanged" sh_c "settings | diff /tmp/diag-settings.before -"
ip link set "$DUT_IF" down
check "-t offline while down: PASS" selftest offline
check "-t offline while down: interface stays down" sh_c "! ip link show $DUT_IF | grep -q '[<,]UP[,>]'"
# Down dropped the IPv6 address: set the DUT up as the lab does.
check "up again: carrier and peer reachable" sh_c "setup_dut && wait_reachable 30"
trap - EXIT
restore
tap_end
