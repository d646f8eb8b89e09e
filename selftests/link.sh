#!/bin/bash
# Link loss and return, driven from the QEMU monitor (set_link dut off/on): the driver must report carrier
# 0 then 1, and traffic must flow again afterwards. Three cycles.
. /host/selftests/lib.sh
tap_begin
trap 'qemu_monitor "set_link dut on" >/dev/null' EXIT
for i in 1 2 3; do
  check "cycle $i: monitor set_link dut off" qemu_monitor "set_link dut off"
  check "cycle $i: carrier 0" wait_for 'carrier_is 0' 15
  check "cycle $i: no traffic while down" sh_c "! ping -c 1 -W 1 $PEER_V4"
  check "cycle $i: monitor set_link dut on" qemu_monitor "set_link dut on"
  check "cycle $i: carrier 1" wait_for 'carrier_is 1' 30
  check "cycle $i: IPv4 and IPv6 traffic again" wait_reachable 30
done
check "operstate up" sh_c "[ \"\$(cat /sys/class/net/$DUT_IF/operstate)\" = up ]"
trap - EXIT
tap_end
