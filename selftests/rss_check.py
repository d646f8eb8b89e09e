#!/usr/bin/env python3
"""RSS proof by computation (stdlib only, run in the lab guest as root).

  rss_check.py DUT_IF PEER_NS PEER_IP DUT_IP --flows N --packets P [--l4 | --l3]

Reads the Toeplitz key and the indirection table from `ethtool -x DUT_IF`, sends P UDP datagrams for
each of N flows from the peer (one source port per flow), and asserts for every flow that
  1. all P datagrams arrived on queue RETA[hash % table size] (per-queue counters of `ethtool -S`), where
     hash is the Toeplitz hash computed here over (src ip, dst ip[, src port, dst port]);
  2. the hash the stack holds for each datagram (skb->hash, read by a classic BPF filter on a packet socket:
     `ld rxhash`) equals that software hash.
--l4 hashes the ports too (what `rx-flow-hash udp4 sdfn` asks of the MAC), --l3 only the addresses.
Prints one line per flow and exits 1 on any mismatch.
"""
import argparse
import ctypes
import ipaddress
import re
import socket
import struct
import subprocess
import sys
import time

SKF_AD_RXHASH = -0x1000 + 32  # SKF_AD_OFF + SKF_AD_RXHASH
SO_ATTACH_FILTER = 26
ETH_P_IP = 0x0800
DST_PORT = 9000
SENDER = """
import socket, sys, time
for line in sys.stdin:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('{peer}', int(line)))
    for i in range({packets}):
        s.sendto(b'rxgbe-rss' + bytes(32), ('{dut}', {port}))
        time.sleep(0.01)
    s.close()
    print('sent', flush=True)
"""


def toeplitz(key: bytes, data: bytes) -> int:
    """Microsoft RSS hash: for every set input bit, XOR in the 32 key bits starting at that bit."""
    k = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i, byte in enumerate(data):
        for b in range(8):
            if byte & (0x80 >> b):
                h ^= (k >> (klen - 32 - (i * 8 + b))) & 0xFFFFFFFF
    return h


def rss_config(dev):
    out = subprocess.run(["ethtool", "-x", dev], check=True, capture_output=True, text=True).stdout
    table = []
    lines = out.splitlines()
    key = None
    for i, line in enumerate(lines):
        m = re.match(r"\s*\d+:\s+([\d\s]+)$", line)
        if m:
            table += [int(x) for x in m.group(1).split()]
        if line.startswith("RSS hash key"):
            key = bytes.fromhex(lines[i + 1].strip().replace(":", ""))
    if not table or not key:
        sys.exit(f"cannot parse ethtool -x output:\n{out}")
    return key, table


def queue_packets(dev):
    out = subprocess.run(["ethtool", "-S", dev], check=True, capture_output=True, text=True).stdout
    return {int(q): int(v) for q, v in re.findall(r"rx-(\d+)-packets:\s*(\d+)", out)}


def hash_socket(dev, want_hash):
    """A packet socket on `dev` that only sees IPv4 frames whose skb->hash equals `want_hash`."""
    prog = [
        (0x20, 0, 0, SKF_AD_RXHASH & 0xFFFFFFFF),  # ld  rxhash
        (0x15, 0, 1, want_hash),  # jeq #want, accept, drop
        (0x06, 0, 0, 0xFFFF),  # ret #65535
        (0x06, 0, 0, 0),  # ret #0
    ]
    buf = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in prog))
    fprog = struct.pack("HL", len(prog), ctypes.addressof(buf))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    s.bind((dev, ETH_P_IP))
    s.settimeout(0.2)
    return s, buf


def count_flow(sock, sport, want, deadline):
    """Frames of our flow (UDP sport -> DST_PORT) that passed the hash filter."""
    n = 0
    while n < want and time.monotonic() < deadline:
        try:
            frame = sock.recv(2048)
        except socket.timeout:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0xF) * 4
        if ip[9] == 17 and struct.unpack("!HH", ip[ihl:ihl + 4]) == (sport, DST_PORT):
            n += 1
    return n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dut_if")
    p.add_argument("peer_ns")
    p.add_argument("peer_ip")
    p.add_argument("dut_ip")
    p.add_argument("--flows", type=int, default=12)
    p.add_argument("--packets", type=int, default=10)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--l4", action="store_true")
    mode.add_argument("--l3", action="store_true")
    a = p.parse_args()

    key, table = rss_config(a.dut_if)
    src = ipaddress.IPv4Address(a.peer_ip).packed
    dst = ipaddress.IPv4Address(a.dut_ip).packed
    bad = 0
    queues_hit = set()
    print(f"# key {key.hex()} table size {len(table)} queues used {sorted(set(table))}")
    # One sender in the peer netns for every flow (a python start costs seconds under TCG): it reads a
    # source port per line, sends the flow's datagrams from it and answers "sent".
    sender = subprocess.Popen(
        ["nsenter", f"--net=/run/netns/{a.peer_ns}", "python3", "-c", SENDER.format(
            peer=a.peer_ip, dut=a.dut_ip, port=DST_PORT, packets=a.packets)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for f in range(a.flows):
        sport = 20000 + 7 * f
        data = src + dst + (struct.pack("!HH", sport, DST_PORT) if a.l4 else b"")
        h = toeplitz(key, data)
        want_q = table[h % len(table)]
        sock, keep = hash_socket(a.dut_if, h)
        before = queue_packets(a.dut_if)
        sender.stdin.write(f"{sport}\n")
        sender.stdin.flush()
        if sender.stdout.readline().strip() != "sent":
            sys.exit(f"peer sender failed (exit {sender.poll()})")
        seen = count_flow(sock, sport, a.packets, time.monotonic() + 10)
        sock.close()
        del keep
        # Counters are updated at the end of each poll: give the last one a moment.
        deadline = time.monotonic() + 5
        while True:
            after = queue_packets(a.dut_if)
            delta = {q: after.get(q, 0) - before.get(q, 0) for q in after}
            if delta.get(want_q, 0) >= a.packets or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        got_q = max(delta, key=lambda q: delta[q]) if delta else None
        stray = [q for q, d in delta.items() if q != want_q and d >= a.packets]
        ok = seen == a.packets and delta.get(want_q, 0) >= a.packets and not stray
        queues_hit.add(got_q)
        bad += not ok
        print(f"{'ok ' if ok else 'BAD'} flow sport={sport} hash={h:#010x} expect q{want_q} "
              f"deltas={dict(sorted(delta.items()))} hash-filter saw {seen}/{a.packets}")
    sender.stdin.close()
    sender.wait(timeout=30)
    print(f"# queues that received flows: {sorted(q for q in queues_hit if q is not None)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
