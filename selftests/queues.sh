#!/bin/bash
# Multi-queue: channels (ethtool -l/-L), ring sizes (-g/-G), interrupt moderation (-c/-C) and per-queue
# statistics (-S), each with its refusals (a refused change must leave the old setting). On igb: one
# TxRx vector per queue pair plus "other", queue directories following -L, and -L/-G under load with a
# sha256-checked transfer. On e1000 (single queue): -L and -X answer "not supported".
. /host/selftests/lib.sh
tap_begin
queue_dirs() { echo "$(ls /sys/class/net/$DUT_IF/queues | grep -c '^rx-') $(ls /sys/class/net/$DUT_IF/queues | grep -c '^tx-')"; }
refused() { # refused DESC CMD...: the command must fail
  if out=$("${@:2}" 2>&1); then not_ok "$1" "accepted: $out"; else ok "$1 ($(echo "$out" | tail -n1))"; fi
}

if [ "$DEVICE" = e1000 ]; then
  refused "e1000: ethtool -L combined 2 not supported" ethtool -L "$DUT_IF" combined 2
  check "e1000: the error says not supported" sh_c "ethtool -L $DUT_IF combined 2 2>&1 | grep -qi 'not supported'"
  refused "e1000: ethtool -X equal 1 not supported" ethtool -X "$DUT_IF" equal 1
  check "e1000: ethtool -x not supported" sh_c "ethtool -x $DUT_IF 2>&1 | grep -qi 'not supported'"
  check "e1000: one rx and one tx queue" sh_c "[ \"$(queue_dirs)\" = '1 1' ]"
  check "e1000: ethtool -S has per-queue counters" sh_c "ethtool -S $DUT_IF | grep -q 'rx-0-packets'"
  check "e1000: traffic still works" ping_ok "$PEER_V4"
  tap_end; exit
fi

ncpu=$(nproc)
want=$(( ncpu < 8 ? ncpu : 8 ))
check "default combined channels = min(CPUs, 8) = $want" sh_c "[ \"$(ethtool_now -l Combined)\" = $want ]"
check "max combined channels is 8" sh_c "[ \"$(ethtool_max -l Combined)\" = 8 ]"
check "queues/ has $want rx-* and $want tx-*" sh_c "[ \"$(queue_dirs)\" = '$want $want' ]"
check "/proc/interrupts: $DUT_IF-TxRx-0..$((want - 1)) and $DUT_IF-other" sh_c \
  "[ \$(grep -c '$DUT_IF-TxRx-' /proc/interrupts) = $want ] && grep -q '$DUT_IF-other' /proc/interrupts"

set_channels() { # set_channels N: -L, then the queue directories, vectors and traffic follow
  ethtool -L "$DUT_IF" combined "$1" && [ "$(ethtool_now -l Combined)" = "$1" ] &&
    [ "$(queue_dirs)" = "$1 $1" ] && [ "$(grep -c "$DUT_IF-TxRx-" /proc/interrupts)" = "$1" ] &&
    wait_for 'carrier_is 1' 30 && wait_reachable 30
}
for n in 4 1 8 "$want"; do check "ethtool -L combined $n: queues, vectors and traffic follow" set_channels "$n"; done
refused "ethtool -L combined 9 refused (max 8)" ethtool -L "$DUT_IF" combined 9
refused "ethtool -L combined 0 refused" ethtool -L "$DUT_IF" combined 0
check "refused -L left $want channels" sh_c "[ \"$(ethtool_now -l Combined)\" = $want ] && [ \"$(queue_dirs)\" = '$want $want' ]"

# Rings.
check "ring sizes default 256/256, max 4096" test \
  "$(ethtool_max -g RX) $(ethtool_now -g RX) $(ethtool_max -g TX) $(ethtool_now -g TX)" = "4096 256 4096 256"
set_rings() {
  ethtool -G "$DUT_IF" rx 512 tx 1024 || return 1
  [ "$(ethtool_now -g RX)" = 512 ] && [ "$(ethtool_now -g TX)" = 1024 ] || { ethtool -g "$DUT_IF"; return 1; }
  wait_for 'carrier_is 1' 30 && wait_reachable 30
}
check "ethtool -G rx 512 tx 1024 applied, traffic works" set_rings
refused "ethtool -G rx 100 refused (multiple of 8 from 64)" ethtool -G "$DUT_IF" rx 100
refused "ethtool -G rx 8192 refused (max 4096)" ethtool -G "$DUT_IF" rx 8192
refused "ethtool -G tx 32 refused (min 64)" ethtool -G "$DUT_IF" tx 32
check "refused -G left rx 512 tx 1024" test "$(ethtool_now -g RX) $(ethtool_now -g TX)" = "512 1024"
# The smallest rings carry a checked transfer each way (a stopped TX queue must still wake on 64 descriptors).
min_rings() {
  ethtool -G "$DUT_IF" rx 64 tx 64 && [ "$(ethtool_now -g RX) $(ethtool_now -g TX)" = "64 64" ] &&
    wait_for 'carrier_is 1' 30 && wait_reachable 30 && make_blob /tmp/blob-min 1 &&
    send_file tx /tmp/blob-min "$PEER_V4" && send_file rx /tmp/blob-min "$DUT_V4"
}
check "ethtool -G rx 64 tx 64 (the minimum): 1 MiB each way arrives intact" min_rings

# Reconfiguration under load: a sha256-checked transfer from the peer while channels and rings change.
blob=/tmp/blob-queues; make_blob $blob 8
( send_file rx $blob "$DUT_V4" > /tmp/queues-xfer.log 2>&1; echo $? > /tmp/queues-xfer.rc ) &
xfer=$!
wait_for "ss -tn | grep -q ':5001 '" 60
reconf_ok=1
received() { stat -c %s "$blob.recv" 2>/dev/null || echo 0; }
for step in "-L combined 1" "-G rx 256 tx 256" "-L combined $want" "-L combined 2"; do
  # Each change lands mid-transfer: wait for another 256 KiB to arrive first.
  mark=$(( $(received) + 262144 ))
  wait_for "[ \$(received) -ge $mark ] || ! kill -0 $xfer" 120
  read -r opt args <<< "$step"
  ethtool "$opt" "$DUT_IF" $args 2>>/tmp/queues-xfer.log || reconf_ok=0
done
# (ethtool fails on a request that changes nothing: only go back if needed.)
[ "$want" = 2 ] || ethtool -L "$DUT_IF" combined "$want" 2>>/tmp/queues-xfer.log || reconf_ok=0
wait "$xfer"
check "-L/-G while a transfer runs: all accepted" sh_c "[ $reconf_ok = 1 ] || { cat /tmp/queues-xfer.log; exit 1; }"
check "transfer during reconfiguration arrived intact (sha256)" sh_c \
  "[ \"\$(cat /tmp/queues-xfer.rc)\" = 0 ] || { cat /tmp/queues-xfer.log; exit 1; }"

# Interrupt moderation.
coalesce_is() { # coalesce_is RX_USECS ADAPTIVE(on|off)
  local c; c=$(ethtool -c "$DUT_IF")
  echo "$c" | grep -Eq "^rx-usecs:[[:space:]]+$1\$" && echo "$c" | grep -Eq "^Adaptive RX:[[:space:]]+$2" || { echo "$c"; return 1; }
}
check "coalescing default: rx-usecs 50, adaptive-rx on" coalesce_is 50 on
set_coalesce() { ethtool -C "$DUT_IF" adaptive-rx off rx-usecs 100 tx-usecs 100 && coalesce_is 100 off; }
check "ethtool -C adaptive-rx off rx-usecs 100 tx-usecs 100 applied" set_coalesce
refused "ethtool -C rx-usecs 20000 refused (max 10000)" ethtool -C "$DUT_IF" rx-usecs 20000
check "refused -C left rx-usecs 100, adaptive off" coalesce_is 100 off
restore_coalesce() { ethtool -C "$DUT_IF" adaptive-rx on rx-usecs 50 tx-usecs 50 && coalesce_is 50 on; }
check "ethtool -C adaptive-rx on rx-usecs 50 tx-usecs 50 restored" restore_coalesce

# Statistics: per-queue counters sum to the interface totals.
sum_q() { ethtool -S "$DUT_IF" | awk '$1 ~ /^rx-[0-9]+-packets:$/ {r += $2} $1 ~ /^tx-[0-9]+-packets:$/ {t += $2} END {print r + 0, t + 0}'; }
consistent() {
  local q rx tx
  q=$(sum_q); rx=$(stat_of rx_packets); tx=$(stat_of tx_packets)
  [ "$q" = "$rx $tx" ] || { echo "per-queue sums '$q' vs stats64 '$rx $tx'"; return 1; }
}
check "ethtool -S lists rx-N/tx-N packets, bytes, drops, restarts, alloc failures" sh_c \
  "s=\$(ethtool -S $DUT_IF); for k in rx-0-packets rx-0-bytes rx-0-alloc-fail tx-0-packets tx-0-bytes tx-0-dropped tx-0-restarts; do echo \"\$s\" | grep -q \"\$k:\" || { echo missing \$k; exit 1; }; done"
check "per-queue packet counters sum to stats64 (quiet link)" wait_for consistent 10
check "traffic still works" ping_ok "$PEER_V4"
check "kernel log clean" dmesg_clean
tap_end
