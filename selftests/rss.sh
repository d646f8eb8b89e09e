#!/bin/bash
# RSS on igb, proven by computation: for a set of UDP flows from the peer, each flow lands on queue
# RETA[toeplitz(key, tuple) % 128] and the stack's skb hash equals the software hash (rss_check.py).
# Checked with the default key and table, after changing key and table (ethtool -X hkey/weight/equal), and
# with 2-tuple and 4-tuple UDP hashing (ethtool -N rx-flow-hash). Invalid tables, keys and field sets are
# refused and change nothing.
. /host/selftests/lib.sh
if [ "$DEVICE" != igb ]; then echo "# RSS: igb only (e1000 refusals are in queues.sh)"; echo "0 passed, 0 failed"; exit 0; fi
tap_begin
NQ=4
restore() { ethtool -X "$DUT_IF" default; ethtool -N "$DUT_IF" rx-flow-hash udp4 sd; ethtool -L "$DUT_IF" combined "$(nproc)"; }
trap restore EXIT
refused() { if out=$("${@:2}" 2>&1); then not_ok "$1" "accepted: $out"; else ok "$1 ($(echo "$out" | tail -n1))"; fi; }
table() { ethtool -x "$DUT_IF" | awk '/^ *[0-9]+:/ {for (i = 2; i <= NF; i++) printf "%s ", $i}'; }
key() { ethtool -x "$DUT_IF" | awk '/^RSS hash key/ {getline; print}'; }
prove() { python3 "$SELFTESTS/rss_check.py" "$DUT_IF" "$PEER_NS" "$PEER_V4" "$DUT_V4" --flows 12 --packets 8 "$@"; }

spread_over() { # spread_over "0,1,2": the table's distinct entries
  [ "$(table | tr ' ' '\n' | grep . | sort -un | paste -sd,)" = "$1" ]
}
setup_queues() { ethtool -L "$DUT_IF" combined "$1" && wait_for 'carrier_is 1' 30 && wait_reachable 30; }
check "ethtool -L combined $NQ" setup_queues $NQ
check "indirection table has 128 entries" test "$(table | wc -w)" = 128
check "default table spread over queues 0..$((NQ - 1))" spread_over "$(seq -s, 0 $((NQ - 1)))"
check "RSS key is 40 bytes and not all zero" sh_c "k='$(key)'; [ \$(echo \$k | tr ':' '\n' | wc -l) = 40 ] && echo \$k | grep -q '[1-9a-f]'"
check "hash function is toeplitz" sh_c "ethtool -x $DUT_IF | grep -q 'toeplitz: on'"
check "rx-flow-hash tcp4 is 4-tuple by default" sh_c "ethtool -n $DUT_IF rx-flow-hash tcp4 | grep -q 'L4 bytes 0 & 1'"

udp4_fields() { ethtool -N "$DUT_IF" rx-flow-hash udp4 "$1" && ethtool -n "$DUT_IF" rx-flow-hash udp4 | grep -q "$2"; }
check "rx-flow-hash udp4 sdfn (4-tuple) accepted" udp4_fields sdfn 'L4 bytes 2 & 3'
check "UDP 4-tuple flows: queue = RETA[toeplitz], skb hash = toeplitz (default key/table)" prove --l4
newkey=$(head -c 40 /dev/urandom | od -An -tx1 | tr -s ' \n' ':' | sed 's/^://; s/:$//')
set_key_table() { ethtool -X "$DUT_IF" hkey "$newkey" weight 1 0 3 2 && [ "$(key)" = "$newkey" ]; }
check "ethtool -X hkey <random> weight 1 0 3 2 applied" set_key_table
check "new table spreads over queues 0,2,3 (weight 0 for queue 1)" spread_over 0,2,3
check "UDP 4-tuple flows after key and table change" prove --l4
check "ethtool -X equal 2" sh_c "ethtool -X $DUT_IF equal 2"
check "table now over queues 0,1" spread_over 0,1
check "UDP 4-tuple flows over 2 queues" prove --l4
no_l4() { ethtool -N "$DUT_IF" rx-flow-hash udp4 sd && ! ethtool -n "$DUT_IF" rx-flow-hash udp4 | grep -q 'L4 bytes'; }
check "rx-flow-hash udp4 sd (2-tuple) accepted" no_l4
check "UDP flows hashed on addresses only" prove --l3
tcp4_fields() { # TCP on the 2-tuple is the MAC's (MRQC TCP bit clear), then back to the 4-tuple
  ethtool -N "$DUT_IF" rx-flow-hash tcp4 sd && ! ethtool -n "$DUT_IF" rx-flow-hash tcp4 | grep -q 'L4 bytes' &&
    ethtool -N "$DUT_IF" rx-flow-hash tcp4 sdfn && ethtool -n "$DUT_IF" rx-flow-hash tcp4 | grep -q 'L4 bytes 2 & 3'
}
check "rx-flow-hash tcp4 sd (2-tuple) accepted and reported, sdfn back" tcp4_fields

before=$(table); before_key=$(key)
refused "ethtool -X equal 5 refused ($NQ queues)" ethtool -X "$DUT_IF" equal 5
refused "ethtool -X weight to a missing queue refused" ethtool -X "$DUT_IF" weight 1 1 1 1 1
refused "ethtool -X hkey of 39 bytes refused" ethtool -X "$DUT_IF" hkey "$(echo "$before_key" | cut -d: -f1-39)"
refused "ethtool -X hfunc xor refused" ethtool -X "$DUT_IF" hfunc xor
refused "rx-flow-hash udp4 s refused" ethtool -N "$DUT_IF" rx-flow-hash udp4 s
refused "ethtool -L combined 1 refused while the user table uses queue 1" ethtool -L "$DUT_IF" combined 1
unchanged() {
  [ "$(table)" = "$before" ] && [ "$(key)" = "$before_key" ] &&
    [ "$(ethtool_now -l Combined)" = $NQ ]
}
check "refusals changed nothing (table, key, channels)" unchanged
respread() { ethtool -X "$DUT_IF" default && setup_queues 3 && spread_over 0,1,2; }
check "ethtool -X default, then -L combined 3 respreads the table" respread
toggle_rxhash() {
  ethtool -K "$DUT_IF" rxhash off && ethtool -k "$DUT_IF" | grep -q 'receive-hashing: off' &&
    ethtool -K "$DUT_IF" rxhash on && ethtool -k "$DUT_IF" | grep -q 'receive-hashing: on'
}
check "rxhash feature can be toggled" toggle_rxhash
check "kernel log clean" dmesg_clean
tap_end
