#!/usr/bin/env python3
"""Raw Ethernet frames for the receive-filter tests (promisc, MAC change). Stdlib only.

  rawpkt.py send IFACE DSTMAC SENTINELMAC --count N   COUNT test frames to DSTMAC, then one sentinel frame
  rawpkt.py count IFACE DSTMAC SENTINELMAC --ready F   counts test frames to DSTMAC until the sentinel arrives,
                                                      prints "seen=N"
Test frames use the local experimental ethertype 0x88b5, so no other traffic is counted. The sentinel goes to
a MAC the receiver always accepts; frames on one QEMU hub stay in order, so the sentinel closes the window.
"""
import argparse
import socket
import sys
import time

ETHERTYPE = 0x88B5
ETH_P_ALL = 0x0003


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def send(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    src = s.getsockname()[4]
    hdr = lambda dst: mac(dst) + src + ETHERTYPE.to_bytes(2, "big")
    for i in range(a.count):
        s.send(hdr(a.dst) + b"rxgbe-test" + i.to_bytes(4, "big") + bytes(46))
        if i % 32 == 31:
            time.sleep(0.002)  # a burst larger than the peer's TX ring would be dropped before the wire
    time.sleep(0.05)
    s.send(hdr(a.sentinel) + b"rxgbe-sentinel" + bytes(46))


def count(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    # A slow guest reads late: the default socket buffer would drop a burst before we count it.
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE (root)
    s.bind((a.iface, 0))
    s.settimeout(1.0)
    open(a.ready, "w").close()
    dst, sentinel, seen = mac(a.dst), mac(a.sentinel), 0
    deadline = time.time() + a.timeout
    while time.time() < deadline:
        try:
            frame, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING or frame[12:14] != ETHERTYPE.to_bytes(2, "big"):
            continue
        if frame[:6] == sentinel and frame[14:28] == b"rxgbe-sentinel":
            print(f"seen={seen}")
            return 0
        if frame[:6] == dst:
            seen += 1
    print(f"seen={seen} (no sentinel within {a.timeout} s)")
    return 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("op", choices=["send", "count"])
    p.add_argument("iface")
    p.add_argument("dst")
    p.add_argument("sentinel")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--ready", default="/tmp/rawpkt.ready")
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    return send(a) if a.op == "send" else count(a)


if __name__ == "__main__":
    sys.exit(main())
