#!/bin/bash
# 64 MiB of random data over TCP each way (socat) arrives intact: same sha256 on both ends.
. /host/selftests/lib.sh
tap_begin
blob=/tmp/blob64
make_blob $blob 64
t0=$(date +%s)
check "64 MiB DUT -> peer over IPv4, sha256 equal" send_file tx $blob "$PEER_V4"
t1=$(date +%s)
check "64 MiB peer -> DUT over IPv6, sha256 equal" send_file rx $blob "$DUT_V6"
t2=$(date +%s)
diag "tx took $((t1 - t0)) s, rx took $((t2 - t1)) s"
rm -f $blob.recv
tap_end
