#!/bin/bash
# Hardware timestamping and the PTP hardware clock (82576): ethtool -T capabilities, /dev/ptpN (rate, settime,
# adjtime step, frequency adjustment and its limit, PTP_SYS_OFFSET_EXTENDED), SIOC[GS]HWTSTAMP with refusals
# that change nothing, transmit timestamps of UDP datagrams, receive timestamps of PTPv2 frames per filter, a
# receive latch left by a dropped frame freed by the driver, and clock and setting kept across an offline
# self-test (a MAC reset) and down/up. On the 82540EM (no clock): software timestamps only, requests refused.
. /host/selftests/lib.sh
tap_begin
PROBE="python3 $SELFTESTS/tstamp_probe.py"
# HWTSTAMP_* values (uapi/linux/net_tstamp.h).
TX_OFF=0 TX_ON=1 TX_ONESTEP=2
F_NONE=0 F_ALL=1 F_V2_L4_EVENT=6 F_V2_L2_EVENT=9 F_V2_L2_SYNC=10 F_V2_L2_DELAY_REQ=11
SYNC=0 DELAY_REQ=1
restore() {
  $PROBE hwts-set "$DUT_IF" $TX_OFF $F_NONE >/dev/null 2>&1
  ip link show "$DUT_IF" | grep -q '[<,]UP[,>]' || setup_dut
}
trap restore EXIT
expect_refused() { # expect_refused ERRNO CMD...: the command fails naming ERRNO
  local want=$1 out; shift
  if out=$("$@" 2>&1); then echo "accepted: $out"; return 1; fi
  echo "$out"; echo "$out" | grep -q "$want"
}
tsinfo() { ethtool -T "$DUT_IF"; }
counter() { ethtool -S "$DUT_IF" | awk -v k="$1:" '$1 == k {print $2}'; }

if [ "$DEVICE" != igb ]; then
  check "-T: software timestamps, no hardware clock" sh_c "tsinfo | tee /dev/stderr | grep -q software-transmit && ! tsinfo | grep -q hardware-transmit && tsinfo | grep -q 'Hardware Clock: none'"
  check "SIOCGHWTSTAMP: not supported (EOPNOTSUPP)" expect_refused ENOTSUP $PROBE hwts-get "$DUT_IF"
  check "SIOCSHWTSTAMP: not supported (EOPNOTSUPP)" expect_refused ENOTSUP $PROBE hwts-set "$DUT_IF" $TX_ON $F_NONE
  check "no ptp counters in -S" sh_c "! ethtool -S $DUT_IF | grep -q ptp-"
  tap_end; exit
fi

# --- capabilities ---
idx=$(tsinfo | awk -F': ' '/(PTP Hardware Clock|provider index)/ {print $2; exit}')
PTP=/dev/ptp$idx
check "-T: hardware clock /dev/ptp$idx exists, driven by rxgbe" sh_c "[ -c $PTP ] && grep -q '^rxgbe ' /sys/class/ptp/ptp$idx/clock_name"
for c in hardware-transmit hardware-receive hardware-raw-clock software-transmit software-receive; do
  check "-T: capability $c" sh_c "tsinfo | grep -qx \"[[:space:]]*$c\""
done
check "-T: transmit modes off, on" sh_c "[ \"\$(tsinfo | sed -n '/Transmit Timestamp Modes/,/Receive Filter/p' | sed '1d;\$d' | xargs)\" = 'off on' ]"
check "-T: receive filters none, ptpv2-l2-event/sync/delay-req" sh_c "[ \"\$(tsinfo | sed -n '/Receive Filter Modes/,\$p' | sed '1d' | xargs)\" = 'none ptpv2-l2-event ptpv2-l2-sync ptpv2-l2-delay-req' ]"

# --- the clock ---
check "PHC starts at the system time (within 1 s)" $PROBE near-realtime $PTP 1000
check "PHC runs at the system clock's rate" $PROBE rate $PTP 1.0 0.02
check "PTP_SYS_OFFSET_EXTENDED: system samples bracket each PHC read" $PROBE sysoff $PTP
check "clock_settime: PHC reads the new time" $PROBE settime $PTP 1000000000
check "clock_adjtime ADJ_SETOFFSET +10 s" $PROBE step $PTP 10000000000
check "clock_adjtime ADJ_SETOFFSET -2.5 s" $PROBE step $PTP -2500000000
check "ADJ_FREQUENCY +50%: accepted" $PROBE freq $PTP 500000000
check "ADJ_FREQUENCY +50%: PHC runs 1.5x" $PROBE rate $PTP 1.5 0.03
check "ADJ_FREQUENCY -25%: PHC runs 0.75x" sh_c "$PROBE freq $PTP -250000000 && $PROBE rate $PTP 0.75 0.02"
check "ADJ_FREQUENCY beyond 999999999 ppb: refused" expect_refused ERANGE $PROBE freq $PTP 1000000001
check "refused frequency: rate unchanged (0.75x)" $PROBE rate $PTP 0.75 0.02
check "ADJ_FREQUENCY 0: nominal rate again" sh_c "$PROBE freq $PTP 0 && $PROBE rate $PTP 1.0 0.02"
check "PHC back at the system time" sh_c "$PROBE settime $PTP now && $PROBE near-realtime $PTP 1000"

# --- the timestamping setting ---
check "SIOCGHWTSTAMP: off by default" sh_c "[ \"\$($PROBE hwts-get $DUT_IF)\" = '0 0' ]"
check "SIOCSHWTSTAMP tx on, ptpv2-l2-sync" $PROBE hwts-set "$DUT_IF" $TX_ON $F_V2_L2_SYNC
check "SIOCGHWTSTAMP reports it" sh_c "[ \"\$($PROBE hwts-get $DUT_IF)\" = '$TX_ON $F_V2_L2_SYNC' ]"
check "filter all: refused (ERANGE)" expect_refused ERANGE $PROBE hwts-set "$DUT_IF" $TX_ON $F_ALL
check "filter ptpv2-l4-event: refused (ERANGE)" expect_refused ERANGE $PROBE hwts-set "$DUT_IF" $TX_ON $F_V2_L4_EVENT
check "tx onestep-sync: refused (ERANGE)" expect_refused ERANGE $PROBE hwts-set "$DUT_IF" $TX_ONESTEP $F_NONE
check "refusals changed nothing" sh_c "[ \"\$($PROBE hwts-get $DUT_IF)\" = '$TX_ON $F_V2_L2_SYNC' ]"

# --- transmit timestamps ---
tx0=$(counter ptp-tx-stamped)
check "20 UDP datagrams: each has a hardware transmit timestamp inside its PHC window" $PROBE tx "$DUT_IF" $PTP "$PEER_V4" 20
check "ptp-tx-stamped counted 20, none lost" sh_c "[ \$(counter ptp-tx-stamped) -eq $((tx0 + 20)) ] && [ \$(counter ptp-tx-lost) = 0 ]"
check "peer still reachable" ping_ok -q "$PEER_V4"

# --- receive timestamps, per filter ---
rx() { $PROBE rx "$DUT_IF" $PTP "$PEER_NS" "$PEER_IF" "$@"; }
check "ptpv2-l2-sync: 10 Sync frames stamped inside the PHC window" rx $SYNC 10 yes
check "ptpv2-l2-sync: Delay_Req frames not stamped" rx $DELAY_REQ 5 no
check "ptpv2-l2-delay-req: Delay_Req frames stamped" sh_c "$PROBE hwts-set $DUT_IF $TX_ON $F_V2_L2_DELAY_REQ && rx $DELAY_REQ 10 yes"
check "ptpv2-l2-delay-req: Sync frames not stamped" rx $SYNC 5 no
check "ptpv2-l2-event: Sync frames stamped" sh_c "$PROBE hwts-set $DUT_IF $TX_ON $F_V2_L2_EVENT && rx $SYNC 5 yes"
check "filter none: nothing stamped" sh_c "$PROBE hwts-set $DUT_IF $TX_ON $F_NONE && rx $SYNC 5 no"

# --- a receive latch no frame claims ---
# The MAC latches a PTP frame's time before its address filter drops the frame; no descriptor claims it, and
# no later frame can be stamped until the driver's clock service frees the latch.
check "filter ptpv2-l2-sync again" $PROBE hwts-set "$DUT_IF" $TX_ON $F_V2_L2_SYNC
cleared0=$(counter ptp-rx-cleared)
check "a Sync to another address: latched, then dropped" in_peer python3 "$SELFTESTS/tstamp_probe.py" send-ptp "$PEER_IF" 02:00:00:00:00:99 $SYNC 1
check "the driver frees the unclaimed latch (ptp-rx-cleared)" wait_for "[ \$(counter ptp-rx-cleared) -gt $cleared0 ]" 15
check "Sync frames stamped again" rx $SYNC 5 yes

# --- across a MAC reset and down/up ---
check "offline self-test (resets the MAC)" ethtool -t "$DUT_IF" offline
check "after the reset: PHC still at the system time" $PROBE near-realtime $PTP 2000
check "after the reset: PHC at the system clock's rate" $PROBE rate $PTP 1.0 0.02
check "after the reset: setting kept" sh_c "wait_for 'carrier_is 1' 30 && wait_reachable 30 && [ \"\$($PROBE hwts-get $DUT_IF)\" = '$TX_ON $F_V2_L2_SYNC' ]"
check "after the reset: transmit and receive timestamps" sh_c "$PROBE tx $DUT_IF $PTP $PEER_V4 5 && rx $SYNC 5 yes"
check "down/up: setting kept" sh_c "ip link set $DUT_IF down && setup_dut && wait_reachable 30 && [ \"\$($PROBE hwts-get $DUT_IF)\" = '$TX_ON $F_V2_L2_SYNC' ]"
check "down/up: transmit timestamps" $PROBE tx "$DUT_IF" $PTP "$PEER_V4" 5
check "SIOCSHWTSTAMP off" sh_c "$PROBE hwts-set $DUT_IF $TX_OFF $F_NONE && [ \"\$($PROBE hwts-get $DUT_IF)\" = '0 0' ]"
tx0=$(counter ptp-tx-stamped)
check "off: a datagram gets no hardware timestamp" sh_c "$PROBE tx $DUT_IF $PTP $PEER_V4 1 | grep -q '^0/1 ' && [ \$(counter ptp-tx-stamped) = $tx0 ]"
tap_end
