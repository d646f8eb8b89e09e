#!/bin/bash
# Offloads: what `ethtool -k` claims per MAC, every {tx, sg, tso, gro, lro, rx} combination negotiated as the
# dependencies require and carrying a file both ways intact, TSO visible on the wire (MSS-sized frames at the peer,
# fewer larger sends in the driver's counters), LRO visible to a packet socket (frames above the MTU, merge
# counters) and turned off by forwarding, corrupted checksums never delivered, and features toggled while traffic
# flows. Transfers are RXGBE_OFFLOAD_KB KiB each (default 1024).
. /host/selftests/lib.sh
tap_begin
PROBE="python3 $SELFTESTS/offload_probe.py"
kb=${RXGBE_OFFLOAD_KB:-1024}
blob=/tmp/blob-offload
[ -s $blob ] || head -c "${kb}K" /dev/urandom > $blob

feature() { ethtool -k "$DUT_IF" | awk -v f="$1:" '$1 == f {$1 = ""; sub(/^ /, ""); print; exit}'; }
# negotiated: the five toggled features in one `ethtool -k` (each exec costs the debug guest a third of a second).
negotiated() {
  ethtool -k "$DUT_IF" | awk -F': ' '
    {k = $1; sub(/^[ \t]+/, "", k); sub(/ \[requested .*\]$/, "", $2); v[k] = $2}
    END {printf "tx=%s sg=%s tso=%s gro=%s lro=%s rx=%s\n", v["tx-checksum-ip-generic"], v["scatter-gather"],
         v["tx-tcp-segmentation"], v["generic-receive-offload"], v["large-receive-offload"], v["rx-checksumming"]}'
}
# stat_sum NAME: a per-queue ethtool -S counter (tx-N-NAME or rx-N-NAME) summed over the queues.
stat_sum() { ethtool -S "$DUT_IF" | awk -v n="-$1:" 'index($1, n) && $1 ~ /^(rx|tx)-[0-9]+-/ {s += $2} END {print s + 0}'; }
restore() {
  ethtool -K "$DUT_IF" tx on sg on tso on gro on $rx_toggle on >/dev/null 2>&1
  [ -n "$rx_toggle" ] && ethtool -K "$DUT_IF" lro off >/dev/null 2>&1
}
trap restore EXIT

# ---- what the MAC offers ----
case $DEVICE in
  igb) want_tso6=on want_rx=on want_lro=off ;;
  e1000) want_tso6="off [fixed]" want_rx="off [fixed]" want_lro="off [fixed]" ;;
esac
check "tx-checksum-ip-generic on" test "$(feature tx-checksum-ip-generic)" = on
check "scatter-gather on" test "$(feature scatter-gather)" = on
check "tx-tcp-segmentation on" test "$(feature tx-tcp-segmentation)" = on
check "tx-tcp6-segmentation: $want_tso6" test "$(feature tx-tcp6-segmentation)" = "$want_tso6"
check "rx-checksumming: $want_rx" test "$(feature rx-checksumming)" = "$want_rx"
check "generic-receive-offload on" test "$(feature generic-receive-offload)" = on
check "large-receive-offload: $want_lro (rxgbe's own, off by default)" test "$(feature large-receive-offload)" = "$want_lro"
# The MAC has no checksum for these: the stack must not think it does.
check "tx-checksum-sctp not offered" sh_c "[[ \$(feature tx-checksum-sctp) == 'off [fixed]' ]]"
rx_toggle=rx; [ "$want_rx" = on ] || rx_toggle=

# ---- every combination: negotiated state, then data both ways ----
declare -A done_state
combos=0 transfers=0
rx_values=(on off); [ -n "$rx_toggle" ] || rx_values=(off)
lro_values=("${rx_values[@]}")
for tx in on off; do for sg in on off; do for tso in on off; do for gro in on off; do for rx in "${rx_values[@]}"; do
for lro in "${lro_values[@]}"; do
  combos=$((combos + 1))
  ethtool -K "$DUT_IF" tx $tx sg $sg tso $tso gro $gro ${rx_toggle:+rx $rx lro $lro} >/dev/null 2>&1
  # The dependencies: TSO needs scatter-gather and a checksum offload (the core's), LRO the MAC's RX checksum
  # verdicts (rxgbe's).
  e_sg=$sg e_tso=off e_lro=off
  [ $tx = on ] && [ $sg = on ] && [ $tso = on ] && e_tso=on
  [ $rx = on ] && [ $lro = on ] && e_lro=on
  e_rx=$rx; [ -n "$rx_toggle" ] || e_rx="off [fixed]" e_lro="off [fixed]"
  state=$(negotiated)
  want="tx=$tx sg=$e_sg tso=$e_tso gro=$gro lro=$e_lro rx=$e_rx"
  if [ "$state" != "$want" ]; then
    not_ok "-K tx $tx sg $sg tso $tso gro $gro rx $rx negotiated" "got $state, want $want"
    continue
  fi
  [ -n "${done_state[$state]:-}" ] && continue
  done_state[$state]=1
  transfers=$((transfers + 1))
  check "[$state] ${kb} KiB DUT -> peer (IPv4) and peer -> DUT (IPv6), sha256 equal" \
    sh_c "send_file tx $blob $PEER_V4 && send_file rx $blob $DUT_V6"
done; done; done; done; done; done
diag "$combos combinations requested, $transfers distinct negotiated states transferred"
# tx x sg x gro, plus tso with tx and sg on: 10; times rx off, rx on with lro off and on where rx toggles.
want_states=$(( ${#rx_values[@]} == 2 ? 30 : 10 ))
check "every negotiated state was transferred ($transfers = $want_states)" test "$transfers" = $want_states

# ---- TSO on the wire ----
# tso_run: 4x the blob DUT -> peer while the peer watches the flow's frames; prints
# "seen=N max=M frames=F tso=P segs=S": F is the peer NIC's received frames.
# (The peer's netns has no sysfs of its own; /proc/net follows the reader's netns.)
peer_rx() { in_peer awk -v i="$PEER_IF:" '$1 == i {print $3}' /proc/net/dev; }
tso_run() {
  local ready=/tmp/frames.ready stop=/tmp/frames.stop pid p0 s0 f0 i
  rm -f $ready $stop /tmp/frames.out
  in_peer $PROBE frames "$PEER_IF" 5001 --ready $ready --stop $stop > /tmp/frames.out & pid=$!
  wait_for "[ -f $ready ]" 60 || { kill $pid; return 1; }
  p0=$(stat_sum tso-packets) s0=$(stat_sum tso-segments) f0=$(peer_rx)
  for i in 1 2 3 4; do cat $blob; done > $blob.x4
  send_file tx $blob.x4 "$PEER_V4" || { touch $stop; wait $pid; return 1; }
  touch $stop; wait $pid
  echo "$(cat /tmp/frames.out) frames=$(( $(peer_rx) - f0 )) tso=$(( $(stat_sum tso-packets) - p0 ))" \
    "segs=$(( $(stat_sum tso-segments) - s0 ))"
}
field() { echo "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
min_frames=$(( 4 * kb * 1024 / 1448 ))
ethtool -K "$DUT_IF" tx on sg on tso on gro on >/dev/null 2>&1
# The peer's packet socket sees frames after its GRO: off, so it sees them as they came off the wire.
in_peer ethtool -K "$PEER_IF" gro off
r=$(tso_run); diag "TSO on: $r"
check "TSO on: the peer got MSS-sized frames only (largest $(field max "$r") <= 1514)" \
  test "$(field max "$r")" -le 1514 -a "$(field max "$r")" -gt 1000
check "TSO on: the peer got at least $min_frames frames" test "$(field frames "$r")" -ge $min_frames
check "TSO on: the driver sent super-packets (tso-packets $(field tso "$r") > 0)" test "$(field tso "$r")" -gt 0
check "TSO on: each became several frames (segments $(field segs "$r") >= 2 x packets)" \
  test "$(field segs "$r")" -ge $(( 2 * $(field tso "$r") ))
ethtool -K "$DUT_IF" tso off >/dev/null 2>&1
r=$(tso_run); diag "TSO off: $r"
check "TSO off: no super-packets (tso-packets delta 0)" test "$(field tso "$r")" = 0
check "TSO off: the peer got at least $min_frames frames of at most 1514 bytes" \
  test "$(field frames "$r")" -ge $min_frames -a "$(field max "$r")" -le 1514
ethtool -K "$DUT_IF" tso on >/dev/null 2>&1
in_peer ethtool -K "$PEER_IF" gro on
rm -f $blob.x4.recv $blob.x4

# ---- LRO ----
# lro_run: 4x the blob peer -> DUT while a packet socket on the DUT watches the flow; prints
# "seen=N max=M merged=G flushed=F".
lro_run() {
  local ready=/tmp/frames.ready stop=/tmp/frames.stop pid g0 f0 i
  rm -f $ready $stop /tmp/frames.out
  $PROBE frames "$DUT_IF" 5001 --ready $ready --stop $stop > /tmp/frames.out & pid=$!
  wait_for "[ -f $ready ]" 60 || { kill $pid; return 1; }
  g0=$(stat_sum lro-merged) f0=$(stat_sum lro-flushed)
  for i in 1 2 3 4; do cat $blob; done > $blob.x4
  send_file rx $blob.x4 "$DUT_V4" || { echo "transfer failed"; touch $stop; wait $pid; return 1; }
  touch $stop; wait $pid
  echo "$(cat /tmp/frames.out) merged=$(( $(stat_sum lro-merged) - g0 )) flushed=$(( $(stat_sum lro-flushed) - f0 ))"
}
if [ -n "$rx_toggle" ]; then
  # GRO off, so that what the packet socket sees is LRO's work alone.
  ethtool -K "$DUT_IF" rx on gro off lro on >/dev/null 2>&1
  r=$(lro_run 2>&1); diag "LRO on: $r"
  check "LRO on: sha256 equal, frames above the MTU reached the stack (largest $(field max "$r") > 1514)" \
    test "$(field max "$r")" -gt 1514
  check "LRO on: segments merged ($(field merged "$r") > 0) into packets ($(field flushed "$r") > 0)" \
    test "$(field merged "$r")" -gt 0 -a "$(field flushed "$r")" -gt 0
  ethtool -K "$DUT_IF" lro off >/dev/null 2>&1
  r=$(lro_run 2>&1); diag "LRO off: $r"
  check "LRO off: sha256 equal, no frame above the MTU (largest $(field max "$r") <= 1514)" \
    test "$(field max "$r")" -le 1514 -a "$(field max "$r")" -gt 0
  check "LRO off: nothing merged" test "$(field merged "$r")" = 0
  ethtool -K "$DUT_IF" lro on >/dev/null 2>&1
  check "rx off takes LRO off (it needs the MAC's checksum verdicts)" \
    sh_c "ethtool -K $DUT_IF rx off >/dev/null 2>&1; [[ \$(feature large-receive-offload) == 'off [requested on]' ]]"
  ethtool -K "$DUT_IF" rx on >/dev/null 2>&1
  check "rx back on brings the requested LRO back" test "$(feature large-receive-offload)" = on
  # Forwarding must not see merged packets: the core turns LRO off (dev_disable_lro), as for hardware LRO.
  sysctl -qw "net.ipv4.conf.$DUT_IF.forwarding=1"
  check "IPv4 forwarding on the interface turned LRO off" test "$(feature large-receive-offload)" = off
  sysctl -qw "net.ipv4.conf.$DUT_IF.forwarding=0"
  restore
  rm -f $blob.x4 $blob.x4.recv
fi

# ---- corrupted checksums ----
# bad_csum_run: 10 datagrams with a bad UDP checksum, 10 with a bad IPv4 header checksum, 10 SYNs with a bad TCP
# checksum, then a good datagram; prints "bad=N good=G csum_err=E udp_incsum=U".
snmp() { awk -v t="$1:" -v k="$2" '$1 == t {if (!h) {for (i = 2; i <= NF; i++) c[$i] = i; h = 1} else {print $c[k]; exit}}' /proc/net/snmp; }
bad_csum_run() {
  local ready=/tmp/udp.ready pid e0 u0
  rm -f $ready
  python3 "$SELFTESTS/offload_probe.py" udprecv 7000 --ready $ready --timeout 120 > /tmp/udp.out & pid=$!
  wait_for "[ -f $ready ]" 60 || { echo "receiver did not start"; kill $pid; return 1; }
  e0=$(stat_sum csum-errors) u0=$(snmp Udp InCsumErrors)
  in_peer $PROBE badcsum "$PEER_IF" "$PEER_MAC" "$DUT_MAC" "$PEER_V4" "$DUT_V4" 7000 --count 10 2>&1 ||
    { echo "sender failed"; kill $pid; return 1; }
  wait $pid
  echo "$(cat /tmp/udp.out) csum_err=$(( $(stat_sum csum-errors) - e0 )) udp_incsum=$(( $(snmp Udp InCsumErrors) - u0 ))"
}
for rx in "${rx_values[@]}"; do
  [ -n "$rx_toggle" ] && ethtool -K "$DUT_IF" rx $rx >/dev/null 2>&1
  r=$(bad_csum_run 2>&1); diag "rx-checksumming $rx: $r"
  check "rx $rx: no corrupted datagram delivered, the good one was" \
    test "$(field bad "$r")" = 0 -a "$(field good "$r")" = 1
  check "rx $rx: the stack counted the bad UDP checksums ($(field udp_incsum "$r") >= 10)" \
    test "$(field udp_incsum "$r")" -ge 10
  if [ "$rx" = on ]; then
    check "rx on: the driver counted the MAC's checksum errors ($(field csum_err "$r") >= 20)" \
      test "$(field csum_err "$r")" -ge 20
  else
    check "rx off: the driver ignores the MAC's verdicts (csum-errors delta 0)" test "$(field csum_err "$r")" = 0
  fi
done
[ -n "$rx_toggle" ] && ethtool -K "$DUT_IF" rx on >/dev/null 2>&1

# ---- toggling while traffic flows ----
# toggle_during DIR ADDR FEATURES...: a transfer of 4x the blob while the features flip every ~0.3 s.
toggle_during() {
  local dir=$1 addr=$2 pid flips=0 f state=off rc; shift 2
  for i in 1 2 3 4; do cat $blob; done > $blob.x4
  send_file "$dir" $blob.x4 "$addr" & pid=$!
  while kill -0 $pid 2>/dev/null; do
    for f in "$@"; do ethtool -K "$DUT_IF" "$f" $state >/dev/null 2>&1; done
    flips=$((flips + 1)); [ $state = off ] && state=on || state=off
    nap 0.3
  done
  wait $pid; rc=$?
  restore
  diag "$dir: $flips flips of $*"
  [ $rc = 0 ] && [ $flips -ge 2 ]
}
check "tx, sg, tso flipped during DUT -> peer, sha256 equal" toggle_during tx "$PEER_V4" tx sg tso
check "gro${rx_toggle:+, lro, rx} flipped during peer -> DUT, sha256 equal" toggle_during rx "$DUT_V4" gro \
  ${rx_toggle:+lro rx}
rm -f $blob.x4 $blob.x4.recv $blob.recv
trap - EXIT
restore
check "kernel log clean" dmesg_clean
tap_end
