#!/bin/bash
# The kernel log of the whole run holds no bug report (WARN, BUG, KASAN, lockdep, DMA-API, ...).
# Runs last; init.sh then adds the kmemleak scan.
. /host/selftests/lib.sh
tap_begin
check "kernel log clean" dmesg_clean
check "driver $DRIVER still loaded" grep -q "^$DRIVER " /proc/modules
tap_end
