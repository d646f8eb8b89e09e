#!/bin/bash
# ICMP echo over IPv4 and IPv6, both directions, small and full-MTU frames (DF set, no fragmentation).
. /host/selftests/lib.sh
tap_begin
check "IPv4 DUT -> peer"  ping_ok "$PEER_V4"
check "IPv4 peer -> DUT"  peer_ping_ok "$DUT_V4"
check "IPv6 DUT -> peer"  ping_ok -6 "$PEER_V6"
check "IPv6 peer -> DUT"  peer_ping_ok -6 "$DUT_V6"
check "IPv4 1500-byte frames DUT -> peer" ping_ok -s 1472 -M do "$PEER_V4"
check "IPv4 1500-byte frames peer -> DUT" peer_ping_ok -s 1472 -M do "$DUT_V4"
check "IPv6 1500-byte frames DUT -> peer" ping_ok -6 -s 1452 -M do "$PEER_V6"
tap_end
