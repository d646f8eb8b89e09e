#!/bin/bash
# Interrupt delivery: the DUT uses the mode this boot expects (RXGBE_EXPECT_IRQ from the kernel command line:
# msix by default on igb, intx on e1000; the fallback runs boot igb with rxgbe.msix=0 -> msi, and with
# pci=nomsi -> intx) and, outside MSI-X, runs one queue pair on its single vector and still carries traffic.
. /host/selftests/lib.sh
tap_begin
expect=${RXGBE_EXPECT_IRQ:-$([ "$DEVICE" = igb ] && echo msix || echo intx)}
line=$(grep "$DUT_IF-TxRx-0" /proc/interrupts)
case $expect in
  msix) pat='PCI-MSIX' ;;
  msi) pat='PCI-MSI-[0-9]|PCI-MSI ' ;;
  intx) pat='IO-APIC' ;;
esac
check "queue interrupt delivered by $expect" bash -c "echo '$line' | grep -Eq '$pat' && ! { [ $expect = msi ] && echo '$line' | grep -q MSIX; }"
if [ "$expect" = msix ]; then
  check "an '-other' vector for link causes" grep -q "$DUT_IF-other" /proc/interrupts
else
  check "no '-other' vector: one vector serves queues and link" bash -c "! grep -q '$DUT_IF-other' /proc/interrupts"
  check "exactly one TxRx vector" test "$(grep -c "$DUT_IF-TxRx-" /proc/interrupts)" = 1
  check "one rx and one tx queue" test "$(ls /sys/class/net/$DUT_IF/queues | paste -sd' ')" = "rx-0 tx-0"
  [ "$DEVICE" = igb ] && check "ethtool -l: at most 1 combined channel" \
    bash -c "ethtool -l $DUT_IF | awk '/^Combined:/ {print \$2; exit}' | grep -qx 1"
fi
both_ping() { ping_ok "$PEER_V4" && peer_ping_ok "$DUT_V4"; }
check "IPv4 ping both directions" both_ping
fired() { grep "$DUT_IF-TxRx-0" /proc/interrupts | awk '{s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break; print s}'; }
before=$(fired)
peer_iperf3_server
check "iperf3 TCP DUT -> peer, 3 s" timeout 60 iperf3 -c "$PEER_V4" -t 3
peer_iperf3_server
check "iperf3 TCP peer -> DUT, 3 s" timeout 60 iperf3 -c "$PEER_V4" -t 3 -R
after=$(fired)
check "the queue vector fired during the traffic" test "$after" -gt "$before"
check "kernel log clean" dmesg_clean
tap_end
