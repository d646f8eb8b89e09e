#!/usr/bin/env bash
# make bench: rxgbe against the in-tree C igb on the emulated 82576, in one run. Boots the release kernel once per
# (repetition, driver), interleaved rxgbe, igb, rxgbe, igb ... so host noise hits both alike, in QEMU's icount
# mode (guest time runs at a fixed rate per instruction: rates measure the guest's work, see
# shared/notes/benchmarking.md). Each boot runs qemu/guest/bench.sh. Writes bench/results/<date>.md and .png and
# prints the summary table.
#   BENCH_REPS=N     repetitions per driver (default 5)
#   BENCH_SECONDS=N  length of each timed workload (default 10)
set -euo pipefail
. "$(dirname "$0")/common.sh"
reps=${BENCH_REPS:-5}
secs=${BENCH_SECONDS:-10}
[ "$reps" -ge 1 ] && [ "$secs" -ge 2 ] || die "bench: BENCH_REPS >= 1 and BENCH_SECONDS >= 2"
KDIR=${KDIR:-$("$RXGBE_ROOT/scripts/kernel.sh" release)}
grep -qx 'CONFIG_KASAN=y' "$KDIR/.config" && die "bench: $KDIR is the debug kernel; benchmarks use the release one"
RXGBE_ROOTFS=${RXGBE_ROOTFS:-$("$RXGBE_ROOT/scripts/rootfs.sh")}
export KDIR RXGBE_ROOTFS

work="$RXGBE_ROOT/build/bench"
rm -rf "$work" && mkdir -p "$work"
start=$(date +%s)
for r in $(seq "$reps"); do
  for drv in rxgbe igb; do
    name=bench-$drv-$r
    log "bench: repetition $r/$reps, $drv ($(( ($(date +%s) - start) / 60 )) min so far; log build/vm/$name.log)"
    # One retry: a boot whose workload failed is run again whole; a second failure ends the benchmark.
    for try in 1 2; do
      python3 "$RXGBE_ROOT/scripts/vm.py" --mode cmd --driver "$drv" --device igb --peer e1000e --accel icount \
        --name "$name" --quiet --timeout $(( secs * 15 + 600 )) \
        --cmd "BENCH_SECONDS=$secs bash /host/qemu/guest/bench.sh" && break
      [ "$try" = 1 ] || die "bench: the $drv run failed twice (build/vm/$name.log)"
      log "bench: the $drv run failed (build/vm/$name.log): once more"
    done
    grep -a '# bench| ' "$RXGBE_ROOT/build/vm/$name.log" | sed "s/^.*# bench| /$r $drv /" >> "$work/raw.txt"
    grep -a '# setting| ' "$RXGBE_ROOT/build/vm/$name.log" | sed "s/^.*# setting| /$drv | /" >> "$work/settings.txt"
  done
done
sort -u "$work/settings.txt" -o "$work/settings.txt"

stamp=$(date +%Y-%m-%d-%H%M)
mkdir -p "$RXGBE_ROOT/bench/results"
out="$RXGBE_ROOT/bench/results/$stamp"
log "bench: $reps repetitions in $(( ($(date +%s) - start) / 60 )) min; report ${out#"$RXGBE_ROOT"/}.md"
python3 "$RXGBE_ROOT/scripts/bench-report.py" --raw "$work/raw.txt" --settings "$work/settings.txt" --out "$out" \
  --header "date: $(date -u '+%Y-%m-%d %H:%M UTC')" \
  --header "kernel: $(cat "$KDIR/include/config/kernel.release") release build ($(basename "$KDIR")), rxgbe $(git -C "$RXGBE_ROOT" describe --always --dirty)" \
  --header "QEMU: $(qemu-system-x86_64 --version | head -n1), TCG icount (shift=3, sleep=off), 2 vCPUs, 2 GiB" \
  --header "host CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores" \
  --header "topology: DUT QEMU igb (82576), peer QEMU e1000e in netns peer, QEMU hub; guest kernel CPU = system + irq + softirq of the whole guest (the peer's share is the same for both drivers)" \
  --header "method: $reps repetitions per driver, interleaved rxgbe/igb, one boot each, ${secs} s per workload, 2 s warm-up transfer first"
