#!/usr/bin/env bash
# Builds every cached lab artefact `make test` needs, the independent ones side by side: the guest root
# filesystem (mostly network and disk) and the kselftests (small) alongside the test kernel (CPU-bound, the
# long one). Each part prints its own progress; cached parts return at once. Fails if any part failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

start=$(date +%s)
bash "$RXGBE_ROOT/scripts/rootfs.sh" >/dev/null & rootfs=$!
bash "$RXGBE_ROOT/scripts/kselftest.sh" build & ksft=$!
rc=0
bash "$RXGBE_ROOT/scripts/kernel.sh" test >/dev/null || { log "prepare: kernel build failed"; rc=1; }
wait "$rootfs" || { log "prepare: rootfs build failed"; rc=1; }
wait "$ksft" || { log "prepare: kselftest build failed"; rc=1; }
[ "$rc" = 0 ] && log "prepare: kernel, rootfs and kselftests ready ($(( $(date +%s) - start )) s)"
exit $rc
