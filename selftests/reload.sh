#!/bin/bash
# Driver unload/reload: 20 rmmod+insmod cycles (the interface must come back and get carrier each time),
# then rmmod while the interface is up and iperf3 traffic flows in each direction (rmmod must succeed and the
# kernel must stay clean). Addresses are set up again at the end.
. /host/selftests/lib.sh
tap_begin
N=${RXGBE_RELOADS:-20}
gone() { ! if_by_mac "$DUT_MAC" >/dev/null; }

# One cycle; prints why it failed.
cycle() {
  unload_driver || { echo "rmmod failed"; return 1; }
  wait_for gone 15 || { echo "interface still present after rmmod"; return 1; }
  bring_driver || { echo "insmod: no interface"; return 1; }
  ip link set "$DUT_IF" up || return 1
  wait_for 'carrier_is 1' 30 || { echo "no carrier after reload"; return 1; }
  [ "$(dut_driver)" = "$DRIVER" ] || { echo "bound to $(dut_driver)"; return 1; }
}
t0=$(date +%s); failed=""
for i in $(seq "$N"); do
  out=$(cycle 2>&1) || { failed="cycle $i: $out"; break; }
  echo "# cycle $i ok"
done
[ -z "$failed" ] && ok "$N unload/reload cycles, interface back with carrier ($(( $(date +%s) - t0 )) s)" \
  || not_ok "$N unload/reload cycles" "$failed"
check "kernel log clean after reload cycles" dmesg_clean

# rmmod_under_traffic NAME [iperf3 args]
rmmod_under_traffic() {
  local name=$1 cpid stat; shift
  check "$name: setup" sh_c "setup_dut && wait_reachable 30" || return
  find_ifs
  peer_iperf3_server || { not_ok "$name: iperf3 server"; return; }
  timeout 120 iperf3 -c "$PEER_V4" -t 60 "$@" > /tmp/iperf3-c.log 2>&1 & cpid=$!
  [ "$*" = -R ] && stat=rx_packets || stat=tx_packets
  local p0; p0=$(stat_of $stat)
  # A few hundred packets: the debug kernel under TCG moves only about 100-300 packets/s.
  check "$name: traffic flowing ($stat rising)" wait_for '[ $(( $(stat_of '$stat') - p0 )) -gt 300 ]' 90
  check "$name: rmmod while up" unload_driver
  check "$name: interface gone" wait_for gone 15
  kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; peer_iperf3_stop
  check "$name: reload, interface back" bring_driver
}
rmmod_under_traffic "rmmod during TX"
rmmod_under_traffic "rmmod during RX" -R
check "addresses set up again, peer reachable" sh_c "setup_dut && wait_reachable 30"
find_ifs
check "driver bound after reloads" sh_c "[ \"$(dut_driver)\" = $DRIVER ]"
check "kernel log clean after rmmod under traffic" dmesg_clean
tap_end
