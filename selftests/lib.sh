# Shared helpers of the rxgbe VM selftests (bash, run inside the lab guest). Each test file sources this,
# calls tap_begin, asserts with check/ok/not_ok, and ends with tap_end (prints "N passed, N failed").
. /host/qemu/guest/lab.sh
SELFTESTS=/host/selftests
T_NAME=${0##*/}; T_NAME=${T_NAME%.sh}
T_N=0 T_PASS=0 T_FAIL=0

ok()     { T_N=$((T_N + 1)); T_PASS=$((T_PASS + 1)); echo "ok $T_N - $T_NAME: $1"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $T_NAME: $1"; [ -z "${2:-}" ] || diag "$2"; }
diag()   { printf '%s\n' "$@" | sed 's/^/# /'; }

# check NAME command...: one assertion; the command's output is shown as diagnostics only on failure.
check() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then ok "$name"; return 0; fi
  not_ok "$name" "$(echo "$out" | tail -n 15)"; return 1
}

# sh_c 'shell text': a condition for check, evaluated in check's subshell (cheaper than bash -c here).
sh_c() { eval "$1"; }

tap_end() {
  echo "$T_PASS passed, $T_FAIL failed"
  [ "$T_FAIL" = 0 ]
}

# Every test file starts here: the DUT must exist, be bound to the driver under test, have carrier and
# reach the peer; otherwise the file bails out with a failure (its tests would prove nothing).
tap_begin() {
  find_ifs
  local drv; drv=$(dut_driver)
  if [ -z "$DUT_IF" ] || [ "$drv" != "$DRIVER" ]; then
    not_ok "DUT bound to $DRIVER" "DUT interface '${DUT_IF:-none}' driver '${drv:-none}'"
    tap_end; exit 1
  fi
  if ! wait_for 'carrier_is 1' 20 || ! wait_reachable 20; then
    not_ok "DUT $DUT_IF ($drv) has carrier and reaches the peer"; tap_end; exit 1
  fi
  ok "DUT $DUT_IF bound to $drv, peer reachable"
}

# sysfs reads with builtins (see lab.sh: a fork+exec of cat costs a third of a second here).
stat_of() { local v; read -r v < "/sys/class/net/$DUT_IF/statistics/$1" && echo "$v"; }
carrier_is() { local v; read -r v < "/sys/class/net/$DUT_IF/carrier" 2>/dev/null && [ "$v" = "$1" ]; }

# cpu_ticks: "busy kernel total" jiffies of all CPUs since boot, from /proc/stat (busy = all but idle and iowait;
# kernel = system + irq + softirq).
cpu_ticks() {
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, $4 + $7 + $8, t; exit }' /proc/stat
}

# ethtool_max OPT FIELD / ethtool_now OPT FIELD: a field of `ethtool -l` or `-g` on the DUT. ethtool prints the
# maxima first and the current settings second, so the first occurrence is the maximum, the last the current.
ethtool_max() { ethtool "$1" "$DUT_IF" | awk -v f="$2:" '$1 == f {print $2; exit}'; }
ethtool_now() { ethtool "$1" "$DUT_IF" | awk -v f="$2:" '$1 == f {v = $2} END {print v}'; }

# queue_irqs [PAIR]: interrupts so far (all CPUs) of the DUT's queue vectors, or of queue pair PAIR's vector.
# rxgbe names them <if>-TxRx-N in every interrupt mode; the in-tree igb uses <if>-TxRx-N, <if>-rx-N/<if>-tx-N
# when it does not pair queues, and the bare interface name on MSI or INTx.
queue_irqs() {
  awk -v ifn="$DUT_IF" -v q="${1:-}" '
    function is_queue(name, n) {
      if (name == ifn) return 1
      n = q == "" ? "[0-9]+" : q
      return name ~ ("^" ifn "-(TxRx|rx|tx)-" n "$")
    }
    is_queue($NF) { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i }
    END { print s + 0 }' /proc/interrupts
}

# ping_ok [ping args]: all of 5 echo requests answered.
ping_ok() { ping -c 5 -i 0.2 -W 2 "$@" | tee /dev/stderr | grep -q ' 5 received'; }
peer_ping_ok() { in_peer ping -c 5 -i 0.2 -W 2 "$@" | tee /dev/stderr | grep -q ' 5 received'; }

# iperf3 server in the peer netns, one client session; waits until it listens.
peer_iperf3_server() {
  rm -f /tmp/iperf3-s.pid
  in_peer iperf3 -s -D -1 -I /tmp/iperf3-s.pid --logfile /tmp/iperf3-s.log
  wait_for "in_peer ss -ltn | grep -q ':5201 '" 15
}
peer_iperf3_stop() { [ -f /tmp/iperf3-s.pid ] && kill "$(cat /tmp/iperf3-s.pid)" 2>/dev/null; rm -f /tmp/iperf3-s.pid; }

# send_file DIR FILE ADDR: TCP transfer of FILE with socat, to the peer (DIR=tx) or from it (DIR=rx);
# the copy lands in FILE.recv. The listener runs on the receiving side.
send_file() {
  local dir=$1 file=$2 addr=$3 port=5001 lpid
  local recv=(socat -u "TCP6-LISTEN:$port,reuseaddr,ipv6only=0" "CREATE:$file.recv") to="TCP4:$addr:$port"
  [[ $addr == *:* ]] && to="TCP6:[$addr]:$port"
  rm -f "$file.recv"
  # Progress every 30 s (diagnostics: a slow transfer and a stalled one look different here). nap, not sleep: a
  # sleep(1) child would outlive the killed loop and hold the caller's output pipe open for up to 30 s.
  ( while nap 30; do echo "# $dir: $(( $(stat -c %s "$file.recv" 2>/dev/null || echo 0) >> 20 )) MiB received"; done ) &
  local mon=$!
  send_file_run "$dir" "$file" "$to" "${recv[@]}"; local rc=$?
  kill "$mon" 2>/dev/null; wait "$mon" 2>/dev/null
  return $rc
}

# send_file_run DIR FILE TO LISTENER...: the transfer itself (see send_file).
send_file_run() {
  local dir=$1 file=$2 to=$3 port=5001 lpid; shift 3
  local recv=("$@")
  if [ "$dir" = tx ]; then in_peer "${recv[@]}" & lpid=$!
    wait_for "in_peer ss -ltn | grep -q ':$port '" 15 || { kill "$lpid"; return 1; }
    timeout 900 socat -u "OPEN:$file" "$to" || { kill "$lpid"; return 1; }
  else "${recv[@]}" & lpid=$!
    wait_for "ss -ltn | grep -q ':$port '" 15 || { kill "$lpid"; return 1; }
    # (timeout runs programs, not shell functions: nsenter, not in_peer.) A listener left behind would
    # hold the caller's output pipe open, so every failure path kills it.
    timeout 900 nsenter --net="/run/netns/$PEER_NS" socat -u "OPEN:$file" "$to" || { kill "$lpid"; return 1; }
  fi
  # The receiver exits when the sender closes: bounded wait for it, then compare contents.
  wait_for "! kill -0 $lpid" 60 || { kill "$lpid"; return 1; }
  [ "$(sha256sum < "$file" | cut -c1-64)" = "$(sha256sum < "$file.recv" | cut -c1-64)" ]
}

# Random test file of $2 MiB at $1 (made once per boot).
make_blob() { [ -s "$1" ] || head -c "$2M" /dev/urandom > "$1"; }

# rawpkt_probe DSTMAC COUNT: the DUT counts frames of the test ethertype with a packet socket (which never
# turns promisc on itself) -> prints "seen=N rx_delta=M": frames to DSTMAC that reached the DUT's
# stack, and the rx_packets delta meanwhile. The peer sends COUNT frames to DSTMAC then one sentinel frame to
# the DUT's own MAC; the hub keeps order, so once the sentinel arrived all earlier frames were decided.
rawpkt_probe() {
  local dst=$1 count=$2 ready=/tmp/rawpkt.ready cpid rx0 rx1
  rm -f "$ready" /tmp/rawpkt.out
  python3 "$SELFTESTS/rawpkt.py" count "$DUT_IF" "$dst" "$(cat /sys/class/net/$DUT_IF/address)" \
    --ready "$ready" --timeout 60 > /tmp/rawpkt.out & cpid=$!
  wait_for "[ -f $ready ]" 60 || { echo "counter did not start"; kill $cpid; return 1; }
  rx0=$(stat_of rx_packets)
  in_peer python3 "$SELFTESTS/rawpkt.py" send "$PEER_IF" "$dst" "$(cat /sys/class/net/$DUT_IF/address)" \
    --count "$count" || { echo "send failed"; kill $cpid; return 1; }
  wait "$cpid" || { echo "counter: $(cat /tmp/rawpkt.out)"; return 1; }
  # rx_packets may be updated lazily (e.g. by a watchdog): poll a little for it to settle.
  wait_for '[ "$(stat_of rx_packets)" -gt "$rx0" ]' 10
  rx1=$(stat_of rx_packets)
  echo "$(cat /tmp/rawpkt.out) rx_delta=$((rx1 - rx0))"
}

# Kernel log must hold no bug reports.
dmesg_clean() { local bad; bad=$(dmesg_bad_lines); [ -z "$bad" ] || { echo "$bad" | head -n 20; return 1; }; }
