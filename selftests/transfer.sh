#!/bin/bash
# Random data over TCP each way (socat) arrives intact: same sha256 on both ends. 64 MiB unless
# RXGBE_BLOB_MB (kernel command line, from scripts/vm-tests.sh) says otherwise.
. /host/selftests/lib.sh
tap_begin
blob=/tmp/blob64
mb=${RXGBE_BLOB_MB:-64}
make_blob $blob "$mb"
t0=$(date +%s)
check "$mb MiB DUT -> peer over IPv4, sha256 equal" send_file tx $blob "$PEER_V4"
t1=$(date +%s)
check "$mb MiB peer -> DUT over IPv6, sha256 equal" send_file rx $blob "$DUT_V6"
t2=$(date +%s)
diag "tx took $((t1 - t0)) s, rx took $((t2 - t1)) s"
rm -f $blob.recv
tap_end
