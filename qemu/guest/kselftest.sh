#!/bin/bash
# Guest side of scripts/kselftest.sh: runs the upstream drivers/net(/hw) kselftests against the DUT.
#
# Started by qemu/guest/init.sh for RXGBE_MODE=kselftest once the DUT (main netns, 192.0.2.1/24,
# 2001:db8::1/64) and the peer (netns "peer", 192.0.2.2/24, 2001:db8::2/64) are up, with DRIVER and DEVICE
# in the environment. Reads /host/build/kselftest/$DRIVER-$DEVICE.conf (written by the host script), runs each
# test under its own timeout in its own process group, and writes KTAP in the layout of the upstream
# run_kselftest.sh to /host/build/kselftest/$DRIVER-$DEVICE.ktap (".partial" while running).
# Exits 0 when every selected test ran and the kernel logged no splat, else 1: test verdicts are judged on the
# host from the KTAP (scripts/ksft-table.py). init.sh turns the exit status into @@RXGBE-RESULT PASS|FAIL@@
# after its kmemleak check, so this script prints no marker itself.
set -u

DRIVER=${DRIVER:-rxgbe}
DEVICE=${DEVICE:-igb}
DUT_MAC=${DUT_MAC:-52:54:00:12:34:56}
PEER_NS=${REMOTE_ARGS:-${PEER_NS:-peer}}
OUT_DIR=${KSFT_OUT_DIR:-/host/build/kselftest}
KSFT_DIR=$OUT_DIR/install
NAME=$DRIVER-$DEVICE

# Under TCG with the debug kernel every python test costs 1.5 minutes before it does anything (interpreter,
# netns execs, ethtool/ip calls), so the default is a QUICK set chosen to fit the 25-minute budget: the required
# tests, then the ones that exercise the most driver surface (stats/qstats, queue and NAPI netlink, IRQs, RSS
# API, netpoll, ntuple). KSFT_TESTS=all runs the FULL set (about an hour).
QUICK_TESTS="ping.py napi_id.py stats.py queues.py hw/irq.py hw/rss_api.py netpoll_basic.py hw/ntuple.py"
# FULL: python tests of drivers/net and drivers/net/hw that can do something with one DUT port and a peer in a
# netns, the disruptive ones last, then the shell tests that follow drivers/net/README.rst
# (DRIVER_TEST_CONFORMANT). Left out: psp, macsec, devmem, iou-zcrx, nk_*, devlink_*, ipsec_vxlan,
# userns_devmem (no such hardware or kernel support in the lab) and the shell tests that want both ports in the
# main netns (ethtool.sh, loopback.sh, ethtool_mm.sh, ethtool_extended_state.sh, hw_stats_l3*.sh).
FULL_TESTS="ping.py napi_id.py netpoll_basic.py stats.py queues.py napi_threaded.py so_txtime.py
  hw/csum.py hw/tso.py hw/irq.py hw/rss_api.py hw/rss_ctx.py hw/rss_drv.py hw/rss_input_xfrm.py
  hw/rss_flow_label.py hw/toeplitz.py hw/ntuple.py hw/pp_alloc_fail.py hw/nic_timestamp.py hw/gro_hw.py
  hw/uso.py xdp.py hw/xdp_metadata.py hw/xsk_reconfig.py gro.py hds.py shaper.py ring_reconfig.py
  hw/ethtool_std_stats.sh hw/ethtool_rmon.sh"
# The tests the multi-queue issue names (KSFT_TESTS=multiqueue).
MULTIQUEUE_TESTS="queues.py hw/irq.py napi_id.py napi_threaded.py hw/toeplitz.py hw/rss_api.py hw/rss_ctx.py
  ring_reconfig.py stats.py"
# The tests the offloads issue names (KSFT_TESTS=offloads).
OFFLOAD_TESTS="hw/csum.py hw/tso.py gro.py ping.py"
# Sub-case filters (ksft_run -t/-T) used in the QUICK set only: each ping.py sub-case costs about 2 minutes on the
# debug kernel (KSFT_TESTS=ping.py, offloads or all runs every sub-case, XDP ones included).
declare -A QUICK_ARGS=(
  [ping.py]="-t test_default_v4 -t test_default_v6"
)
DEFAULT_TIMEOUT=240
# Per-test timeouts (seconds) where the default is too short under TCG with a debug kernel.
declare -A TEST_TIMEOUT=(
  [ping.py]=1200 [xdp.py]=900 [stats.py]=420 [rss_ctx.py]=900 [ntuple.py]=1200 [toeplitz.py]=600 [tso.py]=600
  [csum.py]=600 [gro.py]=600 [ring_reconfig.py]=600 [napi_threaded.py]=420 [netpoll_basic.py]=420
  [rss_api.py]=420 [queues.py]=360 [irq.py]=360 [ethtool_std_stats.sh]=900 [ethtool_rmon.sh]=1500
)
KSFT_TESTS=${KSFT_TESTS:-}
KSFT_TIMEOUT=${KSFT_TIMEOUT:-}
KSFT_BUDGET=${KSFT_BUDGET:-}
KSFT_KTAP=$OUT_DIR/$NAME.ktap
[ -f "$OUT_DIR/$NAME.conf" ] && . "$OUT_DIR/$NAME.conf"

say() { echo "[kselftest] $*"; }
finish() {
  say "result: $1${2:+ ($2)}"
  [ "$1" = PASS ]
  exit
}

# netpoll_basic.py needs netconsole's configfs; the lab init does not mount configfs.
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config 2>/dev/null
[ -f "$KSFT_DIR/run_kselftest.sh" ] || { say "no selftests at $KSFT_DIR: run scripts/kselftest.sh build"; finish FAIL "not installed"; }

# ---- Environment of drivers/net/README.rst ----
NETIF=$(ip -j link show | jq -r --arg mac "$DUT_MAC" '[.[] | select(.address == $mac) | .ifname][0] // empty')
[ -n "$NETIF" ] || { say "no interface with MAC $DUT_MAC"; finish FAIL "no DUT"; }
addr_of() { # $1 = 4|6, rest = ip prefix args; first global address of the interface
  local fam=$1; shift
  "$@" -"$fam" -j addr show scope global 2>/dev/null | jq -r '[.[] | select(.ifname != "lo") | .addr_info[] | .local][0] // empty'
}
LOCAL_V4=$(ip -4 -j addr show dev "$NETIF" scope global | jq -r '.[0].addr_info[0].local // empty')
LOCAL_V6=$(ip -6 -j addr show dev "$NETIF" scope global | jq -r '.[0].addr_info[0].local // empty')
REMOTE_V4=$(addr_of 4 ip -n "$PEER_NS")
REMOTE_V6=$(addr_of 6 ip -n "$PEER_NS")
export NETIF REMOTE_TYPE=netns REMOTE_ARGS=$PEER_NS KSFT_MACHINE_SLOW=yes PYTHONUNBUFFERED=1 NO_COLOR=1
[ -n "$LOCAL_V4" ] && [ -n "$REMOTE_V4" ] && export LOCAL_V4 REMOTE_V4
[ -n "$LOCAL_V6" ] && [ -n "$REMOTE_V6" ] && export LOCAL_V6 REMOTE_V6
say "NETIF=$NETIF ($(basename "$(readlink /sys/class/net/$NETIF/device/driver 2>/dev/null)")) LOCAL_V4=${LOCAL_V4:-} REMOTE_V4=${REMOTE_V4:-} LOCAL_V6=${LOCAL_V6:-} REMOTE_V6=${REMOTE_V6:-} peer netns=$PEER_NS"
# queues.py and irq.py take the link down and up; with the default keep_addr_on_down=0 that drops the global
# IPv6 address and every later test using it fails with "No route to host" (for any driver). A test environment
# keeps its addresses.
sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1
# IPv6 DAD must be over before the tests use the addresses.
for _ in $(seq 1 50); do
  ip -6 addr show dev "$NETIF" | grep -q tentative || break
  sleep 0.2
done

# ---- Helpers ----
resolve_test() { # name -> "collection path" ("drivers/net/hw hw/x.py" style names accepted)
  local t=$1 c
  case "$t" in
    hw/*) c=drivers/net/hw; t=${t#hw/} ;;
    drivers/net/hw/*) c=drivers/net/hw; t=${t#drivers/net/hw/} ;;
    drivers/net/*) c=drivers/net; t=${t#drivers/net/} ;;
    *) if [ -e "$KSFT_DIR/drivers/net/$t" ]; then c=drivers/net; else c=drivers/net/hw; fi ;;
  esac
  echo "$c $t"
}
# Device settings a test assumes and the defaults do not give, applied alike to every driver and undone after
# the test. toeplitz.py checks every UDP packet's hash over the 4-tuple, while igb (in-tree and rxgbe) hashes UDP
# on the addresses by default (fragments of one datagram must not spread): turn the 4-tuple on for it.
# toeplitz.py's RPS variants want two CPUs that serve no RX queue, and drivers that size their channels by CPUs
# leave none: with 4 or more CPUs, give it half of them as queues. rss_ctx.py's main-context cases want at least 3
# queues, and 2 vCPUs give 2 by default: give it 4.
combined_before=
combined_now() { ethtool -l "$NETIF" | awk '/^Current/{c=1} c && /^Combined:/{print $2; exit}'; }
# (ethtool -L fails on a request that changes nothing.)
set_combined() { # set_combined N: remember the current count, then set N
  combined_before=$(combined_now)
  [ "$combined_before" = "$1" ] || ethtool -L "$NETIF" combined "$1"
}
restore_combined() {
  if [ -n "$combined_before" ] && [ "$(combined_now)" != "$combined_before" ]; then
    ethtool -L "$NETIF" combined "$combined_before"
  fi
  combined_before=
}
test_setup() {
  case "$1" in
    toeplitz.py)
      ethtool -N "$NETIF" rx-flow-hash udp4 sdfn && ethtool -N "$NETIF" rx-flow-hash udp6 sdfn || return 1
      if [ "$(nproc)" -ge 4 ]; then set_combined $(( $(nproc) / 2 )); fi ;;
    rss_ctx.py) set_combined 4 ;;
  esac
}
test_teardown() {
  case "$1" in
    toeplitz.py) ethtool -N "$NETIF" rx-flow-hash udp4 sd; ethtool -N "$NETIF" rx-flow-hash udp6 sd; restore_combined ;;
    rss_ctx.py) restore_combined ;;
  esac
}
link_ok() { ping -c 1 -W 2 "${REMOTE_V4:-$REMOTE_V6}" >/dev/null 2>&1; }
DMESG_PAT='WARNING:|BUG:|KASAN|Oops|general protection|circular locking|possible recursive locking|inconsistent lock state|suspicious RCU|DMA-API|refcount_t:|unreferenced object|blocked for more than|rcu_.*stall|NETDEV WATCHDOG|Call Trace'
dmesg_lines() { dmesg 2>/dev/null | wc -l; }

quick=0
case "${KSFT_TESTS:-}" in
  ""|quick) tests=$QUICK_TESTS; quick=1; : "${KSFT_BUDGET:=1200}" ;;
  # The tests an issue requires to pass, with the quick set's sub-case filters (used by make test).
  required) tests="ping.py napi_id.py"; quick=1; : "${KSFT_BUDGET:=600}" ;;
  all|full) tests=$FULL_TESTS; : "${KSFT_BUDGET:=4800}" ;;
  multiqueue) tests=$MULTIQUEUE_TESTS; : "${KSFT_BUDGET:=4800}" ;;
  offloads) tests=$OFFLOAD_TESTS; : "${KSFT_BUDGET:=4800}" ;;
  steering) tests="hw/ntuple.py hw/rss_ctx.py"; : "${KSFT_BUDGET:=4800}" ;;
  ethtool) tests="stats.py hw/ethtool_std_stats.sh hw/ethtool_rmon.sh hw/nic_timestamp.py hw/xsk_reconfig.py hds.py"; : "${KSFT_BUDGET:=4800}" ;;
  *) tests=$KSFT_TESTS; : "${KSFT_BUDGET:=4800}" ;;
esac
n=$(echo $tests | wc -w)
ktap_tmp=$KSFT_KTAP.partial
dmesg_log=$OUT_DIR/$NAME.dmesg
: > "$dmesg_log"
{ echo "TAP version 13"; echo "1..$n"; } > "$ktap_tmp"
say "running $n tests (budget ${KSFT_BUDGET} s): $(echo $tests)"

start=$(date +%s)
i=0
splat=0
incomplete=0
for t in $tests; do
  i=$((i + 1))
  read -r coll base <<< "$(resolve_test "$t")"  # no <(...): the guest has no /dev/fd
  hdr="selftests: $coll: $base"
  to=${KSFT_TIMEOUT:-${TEST_TIMEOUT[$base]:-$DEFAULT_TIMEOUT}}
  left=$(( KSFT_BUDGET - ($(date +%s) - start) ))
  if [ "$left" -lt 30 ]; then
    echo "# $hdr" >> "$ktap_tmp"
    echo "not ok $i $hdr # SKIP out of time budget (${KSFT_BUDGET} s)" >> "$ktap_tmp"
    say "$i/$n $coll/$base: not run, out of time budget"
    incomplete=1
    continue
  fi
  [ "$to" -gt "$left" ] && to=$left
  if [ ! -e "$KSFT_DIR/$coll/$base" ]; then
    { echo "# $hdr"; echo "# Warning: file $base is missing!"; echo "not ok $i $hdr"; } >> "$ktap_tmp"
    say "$i/$n $coll/$base: missing"
    continue
  fi
  say "$i/$n $coll/$base (timeout $to s) ..."
  d0=$(dmesg_lines)
  echo "=== $i $coll/$base" >> "$dmesg_log"
  cur=$OUT_DIR/$NAME.current
  t0=$(date +%s)
  # Own session and process group: on a timeout, everything the test started (socat, iperf3, netns execs) dies.
  # A few upstream tests are installed without the x bit (hw/xdp_metadata.py): run those by their interpreter.
  run=("./$base")
  args=()
  [ "$quick" = 1 ] && [ -n "${QUICK_ARGS[$base]:-}" ] && read -r -a args <<< "${QUICK_ARGS[$base]}"
  if [ ! -x "$KSFT_DIR/$coll/$base" ]; then
    case "$base" in *.py) run=(python3 "./$base") ;; *.sh) run=(bash "./$base") ;; esac
  fi
  # In the required set a failed test gets one more attempt: upstream tests have sub-second deadlines (ping.py's
  # 45-fragment pings with -W0.5) that the debug kernel under TCG misses when the host is busy. A driver bug fails
  # both attempts; both attempts' output stays in the KTAP.
  attempts=1
  [ "${KSFT_TESTS:-}" = required ] && attempts=2
  test_setup "$base" >> "$cur.setup" 2>&1 || echo "# rxgbe: test setup for $base failed: $(cat "$cur.setup")" >> "$ktap_tmp"
  for attempt in $(seq "$attempts"); do
    ( cd "$KSFT_DIR/$coll" && exec setsid timeout -k 15 "$to" "${run[@]}" "${args[@]}" ) > "$cur" 2>&1 < /dev/null &
    pid=$!
    wait "$pid"
    rc=$?
    pkill -KILL -s "$pid" 2>/dev/null  # the session id is the test's pid (setsid exec'd in place)
    dt=$(( $(date +%s) - t0 ))
    {
      echo "# $hdr"
      [ "${#args[@]}" -eq 0 ] || echo "# rxgbe: sub-case filter: ${args[*]}"
      [ "$attempts" = 1 ] || echo "# rxgbe: attempt $attempt of $attempts"
      sed -e 's/^/# /' "$cur"
      echo "# rxgbe: exit $rc after $dt s"
    } >> "$ktap_tmp"
    case "$rc" in 0|4) break ;; esac
  done
  test_teardown "$base" > /dev/null 2>&1; rm -f "$cur.setup"
  # Kernel messages of this test: all into the .dmesg file, splats also into the KTAP.
  dmesg 2>/dev/null | tail -n +"$((d0 + 1))" >> "$dmesg_log"
  hits=$(dmesg 2>/dev/null | tail -n +"$((d0 + 1))" | grep -E "$DMESG_PAT" | head -n 20)
  if [ -n "$hits" ]; then
    splat=1
    echo "$hits" | sed -e 's/^/# rxgbe-dmesg: /' >> "$ktap_tmp"
  fi
  case "$rc" in
    0) res="ok $i $hdr" ;;
    4) res="ok $i $hdr # SKIP" ;;
    124|137) res="not ok $i $hdr # TIMEOUT $to seconds" ;;
    *) res="not ok $i $hdr # exit=$rc" ;;
  esac
  echo "$res" >> "$ktap_tmp"
  verdict=${res%% [0-9]*}; dir=${res#*"$hdr"}
  say "$i/$n $coll/$base: $verdict${dir} [$dt s]${hits:+ (kernel warnings)}"
  # A test that left the link broken would fail everything after it: say so, and try to bring it back.
  if ! link_ok; then
    ip link set dev "$NETIF" up 2>/dev/null
    ip -n "$PEER_NS" link set dev "$(ip -n "$PEER_NS" -j addr show to "${REMOTE_V4:-$REMOTE_V6}" | jq -r '.[0].ifname')" up 2>/dev/null
    sleep 3
    if link_ok; then
      echo "# rxgbe: link to the peer was down after $base; restored with ip link set up" >> "$ktap_tmp"
    else
      echo "# rxgbe: link to the peer is down after $base and could not be restored" >> "$ktap_tmp"
      say "warning: no connectivity to the peer after $base"
    fi
  fi
done
rm -f "$OUT_DIR/$NAME.current"
echo "# rxgbe: run took $(( $(date +%s) - start )) s" >> "$ktap_tmp"
mv "$ktap_tmp" "$KSFT_KTAP"
say "KTAP: $KSFT_KTAP, kernel log per test: $dmesg_log"

[ "$splat" = 0 ] || finish FAIL "kernel warnings during the run, see $NAME.dmesg"
[ "$incomplete" = 0 ] || finish FAIL "time budget exhausted"
finish PASS
