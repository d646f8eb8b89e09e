#!/bin/bash
# Link loss and return, driven from the QEMU monitor (set_link dut off/on): the driver must report carrier
# 0 then 1, and traffic must flow again afterwards. Three cycles. While the link is down the first time, no
# frame moves, yet every queue vector must fire: the driver's watchdog raises them every 2 s (in case an
# interrupt was lost, as igb's does).
. /host/selftests/lib.sh
tap_begin
nvec=$(grep -c "$DUT_IF-TxRx-" /proc/interrupts)
vector_counts() { local i; for ((i = 0; i < nvec; i++)); do printf '%s ' "$(queue_irqs $i)"; done; }
# every_vector_rose COUNTS: each queue vector's interrupt count is above its count in COUNTS.
every_vector_rose() {
  local -a was now; local i
  read -ra was <<< "$1"; read -ra now <<< "$(vector_counts)"
  for ((i = 0; i < nvec; i++)); do [ "${now[i]}" -gt "${was[i]}" ] || return 1; done
}
trap 'qemu_monitor "set_link dut on" >/dev/null' EXIT
for i in 1 2 3; do
  check "cycle $i: monitor set_link dut off" qemu_monitor "set_link dut off"
  check "cycle $i: carrier 0" wait_for 'carrier_is 0' 15
  check "cycle $i: no traffic while down" sh_c "! ping -c 1 -W 1 $PEER_V4"
  if [ "$i" = 1 ]; then
    # Counted after the link change was reported: on a single vector its interrupt is a queue vector's too.
    before=$(vector_counts)
    check "cycle $i: all $nvec queue vectors fire with no frame moving (watchdog)" \
      wait_for "every_vector_rose '$before'" 6
  fi
  check "cycle $i: monitor set_link dut on" qemu_monitor "set_link dut on"
  check "cycle $i: carrier 1" wait_for 'carrier_is 1' 30
  check "cycle $i: IPv4 and IPv6 traffic again" wait_reachable 30
done
check "operstate up" sh_c "[ \"\$(cat /sys/class/net/$DUT_IF/operstate)\" = up ]"
trap - EXIT
tap_end
