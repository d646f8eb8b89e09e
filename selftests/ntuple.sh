#!/bin/bash
# Flow steering (ethtool -N/-n), done by rxgbe's own classifier since the emulated MACs filter nothing:
#  - rules per flow type steer their traffic to the chosen queue: counted there (rx-N-packets, rx-N-steered-in)
#    and received by a socket that reports queue N's NAPI id and the CPU of queue N's vector (igb, 2 queues);
#  - accelerated RFS: a reader's flow follows its CPU to that CPU's queue, and idle filters expire;
#  - drop rules drop, counted per queue and per rule;
#  - bad input gets its errno and leaves the table as it was; rules survive down/up and -G, ntuple off removes
#    them, -L may not remove a queue a rule uses; adding and deleting a rule under a transfer keeps it intact.
. /host/selftests/lib.sh
tap_begin
PROBE="python3 $SELFTESTS/ntuple_probe.py"
multi=0; [ "$DEVICE" = igb ] && multi=1
restore() {
  ethtool -K "$DUT_IF" ntuple off 2>/dev/null
  echo 0 > /proc/sys/net/core/rps_sock_flow_entries
  if [ $multi = 1 ]; then ethtool -X "$DUT_IF" default 2>/dev/null; ethtool -L "$DUT_IF" combined "$(nproc)" 2>/dev/null; fi
}
trap restore EXIT
# The CPU checks below expect each queue's packets processed on its vector's CPU: no RPS.
for r in /sys/class/net/$DUT_IF/queues/rx-*; do echo 0 > "$r/rps_cpus"; done
qstat() { ethtool -S "$DUT_IF" | awk -v k="$1:" '$1 == k {print $2}'; }
rule_total() { ethtool -n "$DUT_IF" | awk '$1 == "Total" {print $2}'; }
# expect_err MESSAGE ETHTOOL-ARGS...: ethtool fails saying MESSAGE (strerror of the errno) and the rule table
# (as `ethtool -n` lists it) is unchanged.
expect_err() {
  local want=$1 before after out; shift
  before=$(ethtool -n "$DUT_IF")
  if out=$(ethtool "$@" 2>&1); then echo "accepted: $out"; return 1; fi
  echo "$out"
  echo "$out" | grep -q "$want" || { echo "wanted: $want"; return 1; }
  after=$(ethtool -n "$DUT_IF")
  [ "$before" = "$after" ] || { echo "table changed:"; echo "$after"; return 1; }
}
# add_rule ARGS...: adds a rule without a location, prints the one the driver chose ("Added rule with ID N").
add_rule() { ethtool -N "$DUT_IF" "$@" | awk '/Added rule with ID/ {print $NF}'; }
has_rule() { ethtool -n "$DUT_IF" rule "$1" | grep -q "$2"; }

check "ntuple-filters off by default, and can be switched" sh_c \
  "ethtool -k $DUT_IF | grep -qx 'ntuple-filters: off'"
check "a rule while ntuple is off: Operation not supported" \
  expect_err "Operation not supported" -N "$DUT_IF" flow-type udp4 dst-port 7000 action 0
check "ntuple on, empty table" sh_c "ethtool -K $DUT_IF ntuple on && [ \"\$(rule_total)\" = 0 ]"

if [ $multi = 1 ]; then
  setup2() { ethtool -L "$DUT_IF" combined 2 && wait_for 'carrier_is 1' 30 && wait_reachable 30; }
  check "two queue pairs" setup2
fi
nq=$(ls "/sys/class/net/$DUT_IF/queues" | grep -c '^rx-')
target=$((nq - 1))

# flow PROTO ADDR PORT SPORT: 50 messages from the peer; prints the receiver's "count= napi= cpu=".
flow() {
  local proto=$1 addr=$2 port=$3 sport=$4 ready=/tmp/ntuple.ready pid
  rm -f $ready
  $PROBE recv "$proto" "$port" 50 --ready $ready --timeout 60 > /tmp/ntuple.recv & pid=$!
  wait_for "[ -f $ready ]" 30 || { kill $pid; return 1; }
  in_peer $PROBE send "$proto" "$addr" "$port" 50 --sport "$sport" || { kill $pid; return 1; }
  wait $pid; local rc=$?
  cat /tmp/ntuple.recv
  return $rc
}
field() { sed -n "s/.*$1=\([0-9-]*\).*/\1/p" /tmp/ntuple.recv; }

if [ $multi = 1 ]; then
  # Queue 1's NAPI id and CPU, and queue 0's, as a TCP socket sees them when RSS alone puts a flow there (a UDP
  # socket reports no CPU).
  check "RSS all to queue 1: reference NAPI id and CPU of queue 1" sh_c \
    "ethtool -X $DUT_IF weight 0 1 && flow tcp4 $DUT_V4 7100 7101"
  napi1=$(field napi); cpu1=$(field cpu)
  check "RSS all to queue 0 (-X equal 1): another NAPI id and CPU" sh_c \
    "ethtool -X $DUT_IF equal 1 && flow tcp4 $DUT_V4 7102 7103 && [ \"\$(field napi)\" != $napi1 ] && [ \"\$(field cpu)\" != $cpu1 ]"
  napi0=$(field napi); cpu0=$(field cpu)
  diag "queue 1: NAPI $napi1, CPU $cpu1"
  # steer NAME PROTO ADDR PORT SPORT RULE...: the rule sends the flow to queue 1: 50 more packets there, all
  # through the hand-off, and the socket sees queue 1's NAPI id (and CPU, for TCP).
  steer() {
    local proto=$2 addr=$3 port=$4 sport=$5 loc p0 s0; shift 5
    loc=$(add_rule "$@" action 1) && [ -n "$loc" ] || return 1
    p0=$(qstat rx-1-packets); s0=$(qstat rx-1-steered-in)
    flow "$proto" "$addr" "$port" "$sport"; local rc=$?
    ethtool -N "$DUT_IF" delete "$loc" || return 1
    echo "rx-1 packets +$(( $(qstat rx-1-packets) - p0 )), steered-in +$(( $(qstat rx-1-steered-in) - s0 ))"
    [ $rc = 0 ] && [ "$(field napi)" = "$napi1" ] && { [ "${proto#udp}" != "$proto" ] || [ "$(field cpu)" = "$cpu1" ]; } &&
      [ $(( $(qstat rx-1-steered-in) - s0 )) -ge 50 ] && [ $(( $(qstat rx-1-packets) - p0 )) -ge 50 ]
  }
  check "tcp4 exact 4-tuple -> queue 1 (NAPI, CPU, counters)" steer x tcp4 "$DUT_V4" 7110 7111 \
    flow-type tcp4 src-ip "$PEER_V4" dst-ip "$DUT_V4" src-port 7111 dst-port 7110
  check "udp4 dst-port only -> queue 1" steer x udp4 "$DUT_V4" 7112 7113 flow-type udp4 dst-port 7112
  check "tcp6 src-ip, src-port -> queue 1" steer x tcp6 "$DUT_V6" 7114 7115 \
    flow-type tcp6 src-ip "$PEER_V6" src-port 7115
  check "udp6 exact 4-tuple -> queue 1" steer x udp6 "$DUT_V6" 7116 7117 \
    flow-type udp6 src-ip "$PEER_V6" dst-ip "$DUT_V6" src-port 7117 dst-port 7116
  check "udp4 masked src-ip (last byte ignored) -> queue 1" steer x udp4 "$DUT_V4" 7118 7119 \
    flow-type udp4 src-ip "$PEER_V4" m 0.0.0.255 dst-port 7118
  # Flow types no socket test reaches: raw frames from the peer, counted on queue 1.
  raw_steer() {
    local kind=$1 src=$2 dst=$3 loc s0; shift 3
    loc=$(add_rule "$@" action 1) && [ -n "$loc" ] || return 1
    s0=$(qstat rx-1-steered-in)
    in_peer $PROBE raw "$PEER_IF" "$(cat /sys/class/net/$DUT_IF/address)" "$kind" "$src" "$dst" 40
    wait_for "[ \$(( \$(qstat rx-1-steered-in) - $s0 )) -ge 40 ]" 20; local rc=$?
    echo "rx-1 steered-in +$(( $(qstat rx-1-steered-in) - s0 ))"
    ethtool -N "$DUT_IF" delete "$loc" && return $rc
  }
  check "sctp4 dst-port -> queue 1" raw_steer sctp4 "$PEER_V4" "$DUT_V4" flow-type sctp4 dst-port 7000
  check "ip4 src-ip dst-ip -> queue 1" raw_steer ip4 "$PEER_V4" "$DUT_V4" \
    flow-type ip4 src-ip "$PEER_V4" dst-ip "$DUT_V4"
  check "ip6 dst-ip -> queue 1" raw_steer ip6 "$PEER_V6" "$DUT_V6" flow-type ip6 dst-ip "$DUT_V6"
  check "ether proto 0x88b5 -> queue 1" raw_steer ether x x flow-type ether proto 0x88b5
  # VLAN 5 registered (a VLAN device), so the MAC's filter lets it in and strips the tag; the rule matches the
  # VLAN id whatever the priority (TCI mask 0x0fff: ethtool's "m" names the bits to ignore).
  vlan_steer() {
    ip link add link "$DUT_IF" name "$DUT_IF.5" type vlan id 5 || return 1
    raw_steer vlan5 x x flow-type ether proto 0x88b5 vlan 5 m 0xf000; local rc=$?
    ip link del "$DUT_IF.5"
    return $rc
  }
  check "ether proto 0x88b5 vlan 5 (tag stripped by the MAC) -> queue 1" vlan_steer
  check "traffic matching no rule keeps its RSS queue (0)" sh_c \
    "flow udp4 $DUT_V4 7120 7121 && [ \"\$(field napi)\" = $napi0 ]"

  # Accelerated RFS: with the RFS tables on, a reader's flow follows the reader's CPU to the queue whose vector
  # serves that CPU (RSS alone puts every flow on queue 0 here); unused filters expire.
  Q=/sys/class/net/$DUT_IF/queues
  rfs_tables() { echo "$1" > /proc/sys/net/core/rps_sock_flow_entries && echo "$2" > $Q/rx-0/rps_flow_cnt &&
    echo "$2" > $Q/rx-1/rps_flow_cnt; }
  arfs_follow() {
    local ready=/tmp/ntuple.ready pid spid a0
    rfs_tables 4096 16 || return 1
    a0=$(qstat arfs-added); rm -f $ready
    $PROBE follow 7160 "$cpu1" "$napi1" "$cpu0" "$napi0" --ready $ready --timeout 60 > /tmp/ntuple.follow & pid=$!
    wait_for "[ -f $ready ]" 30 || { kill $pid; return 1; }
    in_peer $PROBE send tcp4 "$DUT_V4" 7160 100000 --sport 7161 --until-closed & spid=$!
    wait $pid; local rc=$?
    wait $spid
    echo "reads until moved: $(cat /tmp/ntuple.follow); arfs-added +$(( $(qstat arfs-added) - a0 ))"
    [ $rc = 0 ] && [ $(( $(qstat arfs-added) - a0 )) -ge 1 ]
  }
  check "aRFS: reader on CPU $cpu1 pulls its flow to queue 1 (NAPI $napi1); moved to CPU $cpu0, back to queue 0" \
    arfs_follow
  # The flow is gone; 400 packets of another flow through CPU $cpu0's RFS backlog make its entry idle (10 x the
  # 16-entry table), and the service work's once-a-second expiry check removes the filter.
  arfs_expire() {
    local ready=/tmp/ntuple.ready pid e0
    e0=$(qstat arfs-expired); rm -f $ready
    taskset -c "$cpu0" $PROBE recv tcp4 7162 400 --ready $ready --timeout 60 > /tmp/ntuple.recv & pid=$!
    wait_for "[ -f $ready ]" 30 || { kill $pid; return 1; }
    in_peer $PROBE send tcp4 "$DUT_V4" 7162 400 --sport 7163 || { kill $pid; return 1; }
    wait $pid || return 1
    wait_for '[ "$(qstat arfs-active)" = 0 ]' 30; local rc=$?
    echo "arfs-active $(qstat arfs-active), arfs-expired +$(( $(qstat arfs-expired) - e0 ))"
    [ $rc = 0 ] && [ $(( $(qstat arfs-expired) - e0 )) -ge 1 ]
  }
  check "aRFS: the idle flow's filter expires (rps_may_expire_flow)" arfs_expire
  rfs_tables 0 0
fi

# Drop: 50 datagrams to a port with a drop rule; the driver counts 50 drops (per queue and per rule) and
# the bound socket receives none of them.
drop_test() {
  local loc d0 got
  loc=$(add_rule flow-type udp4 dst-port 7130 action -1) && [ -n "$loc" ] || return 1
  d0=$(qstat rx-0-ntuple-drops)
  python3 -c "
import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('', 7130))
open('/tmp/ntuple.bound', 'w').close(); time.sleep(120)" & local rpid=$!
  wait_for '[ -f /tmp/ntuple.bound ]' 20
  in_peer python3 -c "
import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(50): s.sendto(b'x' * 64, ('$DUT_V4', 7130)); time.sleep(0.002)"
  wait_for "[ \$(( \$(qstat rx-0-ntuple-drops) - $d0 )) -ge 50 ]" 20; local rc=$?
  got=$(ss -unlp 'sport = :7130' | awk 'NR == 2 {print $2}')
  kill $rpid; rm -f /tmp/ntuple.bound
  echo "rx-0-ntuple-drops +$(( $(qstat rx-0-ntuple-drops) - d0 )), rule-$loc-drops $(qstat rule-$loc-drops), socket queue ${got:-?}"
  [ $rc = 0 ] && [ "$(qstat rule-$loc-drops)" -ge 50 ] && [ "${got:-1}" = 0 ] && ethtool -N "$DUT_IF" delete "$loc"
}
check "drop rule (action -1): dropped, counted per queue and per rule" drop_test

# Bad input: the precise errno, and nothing changes.
check "kept rule at loc 5" sh_c "ethtool -N $DUT_IF flow-type tcp4 dst-port 7140 action 0 loc 5 && has_rule 5 'Dest port: 7140'"
check "queue that does not exist: Invalid argument" \
  expect_err "Invalid argument" -N "$DUT_IF" flow-type tcp4 dst-port 7141 action "$nq"
check "unsupported flow type (ah4): Operation not supported" \
  expect_err "Operation not supported" -N "$DUT_IF" flow-type ah4 src-ip "$PEER_V4" action 0
check "unsupported field (tos): Operation not supported" \
  expect_err "Operation not supported" -N "$DUT_IF" flow-type tcp4 dst-port 7142 tos 4 action 0
check "unsupported field (user-def): Operation not supported" \
  expect_err "Operation not supported" -N "$DUT_IF" flow-type tcp4 dst-port 7143 user-def 1 action 0
check "unsupported field (dst-mac): Operation not supported" \
  expect_err "Operation not supported" -N "$DUT_IF" flow-type tcp4 dst-port 7144 dst-mac 02:00:00:00:00:01 action 0
check "location out of range (1024): Invalid argument" \
  expect_err "Invalid argument" -N "$DUT_IF" flow-type tcp4 dst-port 7145 action 0 loc 1024
check "location taken (5): Device or resource busy" \
  expect_err "busy" -N "$DUT_IF" flow-type tcp4 dst-port 7146 action 0 loc 5
check "rule identical to an existing one: File exists" \
  expect_err "File exists" -N "$DUT_IF" flow-type tcp4 dst-port 7140 action 0
check "delete a location without a rule: No such file or directory" \
  expect_err "No such file" -N "$DUT_IF" delete 6
full_table() {
  local out
  out=$($PROBE fill "$DUT_IF" 1100 0) || return 1
  echo "fill: $out, total $(rule_total)"
  [ "$out" = "added=1023 errno=28" ] && [ "$(rule_total)" = 1024 ] || return 1
  expect_err "No space left" -N "$DUT_IF" flow-type tcp4 dst-port 7147 action 0 || return 1
  out=$($PROBE clear "$DUT_IF"); echo "$out"
  [ "$out" = "deleted=1024" ] && [ "$(rule_total)" = 0 ]
}
check "1024 rules fit; the 1025th: No space left on device (ENOSPC)" full_table

# Lifetime of the table.
survive() {
  ethtool -N "$DUT_IF" flow-type udp4 dst-port 7150 action "$target" loc 7 || return 1
  # (Down drops the static IPv6 address: setup_dut puts the addresses back.)
  ip link set "$DUT_IF" down && setup_dut || return 1
  has_rule 7 "Dest port: 7150" || { echo "lost by down/up"; return 1; }
  ethtool -G "$DUT_IF" rx 512 && ethtool -G "$DUT_IF" rx 256 && wait_for 'carrier_is 1' 30 || return 1
  has_rule 7 "Dest port: 7150" || { echo "lost by -G"; return 1; }
  wait_reachable 30
}
check "rules survive down/up and ethtool -G" survive
if [ $multi = 1 ]; then
  check "ethtool -L 1 refused while rule 7 uses queue 1, still 2 queues" sh_c \
    "! ethtool -L $DUT_IF combined 1 && [ \"\$(ethtool_now -l Combined)\" = 2 ]"
fi
check "ntuple off removes every rule; on again: empty" sh_c \
  "ethtool -K $DUT_IF ntuple off && [ \"\$(rule_total)\" = 0 ] && ethtool -K $DUT_IF ntuple on && [ \"\$(rule_total)\" = 0 ]"
if [ $multi = 1 ]; then
  check "without rules, ethtool -L 1 and back to 2" sh_c \
    "ethtool -L $DUT_IF combined 1 && ethtool -L $DUT_IF combined 2 && wait_for 'carrier_is 1' 30 && wait_reachable 30"
fi

# Rules added and deleted under a transfer: the flow moves between queues (and is dropped by nothing);
# the data arrives intact.
churn() {
  local blob=/tmp/ntuple-blob n=0 pid
  make_blob $blob 8
  send_file rx $blob "$DUT_V4" & pid=$!
  while kill -0 $pid 2>/dev/null; do
    ethtool -N "$DUT_IF" flow-type tcp4 dst-port 5001 action "$target" loc 3 > /dev/null 2>&1 && n=$((n + 1))
    ethtool -N "$DUT_IF" delete 3 > /dev/null 2>&1
  done
  wait $pid; local rc=$?
  echo "rule added and deleted $n times during the transfer"
  rm -f $blob.recv
  [ $rc = 0 ] && [ $n -ge 1 ]
}
check "8 MiB peer -> DUT while a rule for its flow is added and deleted: sha256 equal" churn
tap_end
