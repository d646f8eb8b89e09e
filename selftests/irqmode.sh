#!/bin/bash
# Interrupt delivery: the DUT uses the mode this boot expects (RXGBE_EXPECT_IRQ from the kernel command line:
# msix by default on igb, intx on e1000; the INTx fallback boots igb with pci=nomsi) and, outside MSI-X, runs
# one queue pair on its single vector and still carries traffic. In the MSI-X boot of igb the driver is then
# reloaded with msix=0 (the MSI fallback) and checked the same way, and reloaded with the defaults again.
. /host/selftests/lib.sh
tap_begin
queue_line() { grep "$DUT_IF-TxRx-0" /proc/interrupts; }
both_ping() { ping_ok "$PEER_V4" && peer_ping_ok "$DUT_V4"; }

# assert_mode MODE: the vectors MODE implies, traffic both ways, and the queue vector firing for it.
assert_mode() {
  local mode=$1 pat before
  case $mode in
    msix) pat='PCI-MSIX' ;;
    msi) pat='PCI-MSI-[0-9]|PCI-MSI ' ;;
    intx) pat='IO-APIC' ;;
  esac
  check "$mode: queue interrupt delivered by $mode" sh_c \
    "echo '$(queue_line)' | grep -Eq '$pat' && ! { [ $mode = msi ] && echo '$(queue_line)' | grep -q MSIX; }"
  if [ "$mode" = msix ]; then
    check "$mode: an '-other' vector for link causes" grep -q "$DUT_IF-other" /proc/interrupts
  else
    check "$mode: no '-other' vector: one vector serves queues and link" sh_c "! grep -q '$DUT_IF-other' /proc/interrupts"
    check "$mode: exactly one TxRx vector" test "$(grep -c "$DUT_IF-TxRx-" /proc/interrupts)" = 1
    check "$mode: one rx and one tx queue" test "$(ls /sys/class/net/$DUT_IF/queues | paste -sd' ')" = "rx-0 tx-0"
    [ "$DEVICE" = igb ] && check "$mode: ethtool -l: at most 1 combined channel" \
      sh_c "[ \"\$(ethtool_max -l Combined)\" = 1 ]"
  fi
  check "$mode: IPv4 ping both directions" both_ping
  before=$(queue_irqs 0)
  peer_iperf3_server
  check "$mode: iperf3 TCP DUT -> peer, 3 s" timeout 60 iperf3 -c "$PEER_V4" -t 3
  peer_iperf3_server
  check "$mode: iperf3 TCP peer -> DUT, 3 s" timeout 60 iperf3 -c "$PEER_V4" -t 3 -R
  check "$mode: the queue vector fired during the traffic" test "$(queue_irqs 0)" -gt "$before"
}

# reload_with MODARGS: the driver again with these module parameters, addresses back, peer reachable. (check
# runs it in a subshell: the caller refreshes $DUT_IF with find_ifs afterwards.)
reload_with() {
  unload_driver || { echo "rmmod failed"; return 1; }
  wait_for '! if_by_mac $DUT_MAC' 15 || { echo "interface still present after rmmod"; return 1; }
  RXGBE_MODARGS=$1 bring_driver || { echo "insmod ${1:-(defaults)}: no interface"; return 1; }
  setup_dut || { echo "address setup failed"; return 1; }
  wait_reachable 30 && return 0
  echo "peer not reachable:"; ip -br addr show dev "$DUT_IF"; ip neigh show dev "$DUT_IF"
  ping -c 2 -W 1 "$PEER_V4"; ping -6 -c 2 -W 1 "$PEER_V6"; grep "$DUT_IF" /proc/interrupts; return 1
}

expect=${RXGBE_EXPECT_IRQ:-$([ "$DEVICE" = igb ] && echo msix || echo intx)}
assert_mode "$expect"
if [ "$expect" = msix ] && [ "$DEVICE" = igb ] && [ "$DRIVER" = rxgbe ]; then
  check "reload with msix=0" reload_with msix=0; find_ifs
  assert_mode msi
  check "reload with the default parameters" reload_with ""; find_ifs
  check "msix again: '-other' vector back" grep -q "$DUT_IF-other" /proc/interrupts
fi
check "kernel log clean" dmesg_clean
tap_end
