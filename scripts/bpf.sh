#!/usr/bin/env bash
# Builds the XDP programs of the selftests (selftests/bpf/xdp_progs.bpf.c) into build/bpf/, one object per
# program, for the guest to load with `ip link set ... xdp obj`, and the AF_XDP echo (selftests/xsk_probe.c).
# Rebuilds only what is older than its source or this script.
set -euo pipefail
. "$(dirname "$0")/common.sh"
src=$RXGBE_ROOT/selftests/bpf/xdp_progs.bpf.c
out=$RXGBE_ROOT/build/bpf
mkdir -p "$out"
for p in pass drop abort echo_tx echo_redirect; do
  obj=$out/xdp_$p.o
  [ "$obj" -nt "$src" ] && [ "$obj" -nt "$0" ] && continue
  "clang$LLVM_SUFFIX" -O2 -g0 -target bpf -DPROG="${p^^}" -c "$src" -o "$obj.tmp"
  mv "$obj.tmp" "$obj"
done
probe=$out/xsk_probe
if ! [ "$probe" -nt "$RXGBE_ROOT/selftests/xsk_probe.c" ] || ! [ "$probe" -nt "$0" ]; then
  gcc -O2 -Wall -Werror -o "$probe.tmp" "$RXGBE_ROOT/selftests/xsk_probe.c"
  mv "$probe.tmp" "$probe"
fi
echo "$out"
