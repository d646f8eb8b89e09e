#!/usr/bin/env python3
"""Wire-level probes of the offload tests (offload.sh).

  offload_probe.py frames IFACE PORT --ready F --stop S
      watches the TCP frames to PORT arriving on IFACE (IPv4 and IPv6) until file S exists, prints
      "seen=N max=M" (M: the largest Ethernet frame, without FCS; a busy socket may miss some frames,
      so N is a sample, not a count)
  offload_probe.py badcsum IFACE SRCMAC DSTMAC SRC DST PORT --count N
      sends N UDP datagrams with a wrong UDP checksum, N with a wrong IPv4 header checksum and N
      TCP SYNs with a wrong TCP checksum to DST (IPv4), then one correct UDP datagram "good"
  offload_probe.py udprecv PORT --ready F --timeout T
      receives UDP datagrams on PORT until "good" arrives; prints "bad=N good=1"
"""
import argparse
import os
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def frames(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE: a slow guest reads late
    s.bind((a.iface, 0))
    s.settimeout(0.2)
    open(a.ready, "w").close()
    n = biggest = 0
    while not os.path.exists(a.stop):
        try:
            frame, addr = s.recvfrom(65536)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        ethertype = frame[12:14]
        if ethertype == b"\x08\x00" and frame[23] == 6:
            l4 = frame[14 + (frame[14] & 0xF) * 4:]
        elif ethertype == b"\x86\xdd" and frame[20] == 6:
            l4 = frame[54:]
        else:
            continue
        if len(l4) >= 4 and struct.unpack("!H", l4[2:4])[0] == a.port:
            n += 1
            biggest = max(biggest, len(frame))
    print(f"seen={n} max={biggest}")


def badcsum(a):
    from scapy.all import IP, TCP, UDP, Ether, Raw, sendp  # slow import: only here

    eth = Ether(src=a.srcmac, dst=a.dstmac)
    bad = []
    for i in range(a.count):
        bad.append(eth / IP(src=a.src, dst=a.dst) / UDP(sport=40000 + i, dport=a.port, chksum=0x1234)
                   / Raw(b"bad-udp-csum"))
        bad.append(eth / IP(src=a.src, dst=a.dst, chksum=0x1234) / UDP(sport=41000 + i, dport=a.port)
                   / Raw(b"bad-ip-csum"))
        bad.append(eth / IP(src=a.src, dst=a.dst) / TCP(sport=42000 + i, dport=a.port + 1, flags="S",
                                                       chksum=0x1234))
    # Scapy computes every checksum left unset; the ones set above stay wrong.
    sendp(bad, iface=a.iface, verbose=False, inter=0.002)
    time.sleep(0.05)
    sendp(eth / IP(src=a.src, dst=a.dst) / UDP(sport=43000, dport=a.port) / Raw(b"good"),
          iface=a.iface, verbose=False)


def udprecv(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", a.port))
    s.settimeout(1.0)
    open(a.ready, "w").close()
    bad = 0
    deadline = time.time() + a.timeout
    while time.time() < deadline:
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        if data == b"good":
            print(f"bad={bad} good=1")
            return 0
        bad += 1
    print(f"bad={bad} good=0 (timeout)")
    return 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("frames")
    f.add_argument("iface")
    f.add_argument("port", type=int)
    f.add_argument("--ready", required=True)
    f.add_argument("--stop", required=True)
    b = sub.add_parser("badcsum")
    for arg in ("iface", "srcmac", "dstmac", "src", "dst"):
        b.add_argument(arg)
    b.add_argument("port", type=int)
    b.add_argument("--count", type=int, default=20)
    u = sub.add_parser("udprecv")
    u.add_argument("port", type=int)
    u.add_argument("--ready", required=True)
    u.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()
    return {"frames": frames, "badcsum": badcsum, "udprecv": udprecv}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
