#!/usr/bin/env python3
"""Traffic and rule helpers of the flow-steering tests (ntuple.sh) and the ntuple benchmark. Stdlib only.

  ntuple_probe.py recv PROTO PORT COUNT --ready F [--timeout T]
      PROTO udp4|udp6|tcp4|tcp6: receives COUNT messages on PORT; prints "count=N napi=ID cpu=C" (the
      socket's SO_INCOMING_NAPI_ID and SO_INCOMING_CPU after the last message)
  ntuple_probe.py send PROTO ADDR PORT COUNT --sport S
      sends COUNT 64-byte messages from source port S (TCP: one connection, no Nagle)
  ntuple_probe.py follow PORT CPU_A NAPI_A CPU_B NAPI_B --ready F [--timeout T]
      accepts one TCP connection and reads it from CPU_A until 20 reads in a row came through NAPI_A (accelerated
      RFS moved the flow to CPU_A's queue), then the same from CPU_B; prints "a=N b=M" (reads each phase took,
      -1 if it timed out)
  ntuple_probe.py raw IFACE DSTMAC KIND SRC DST COUNT
      KIND sctp4 (IPv4 proto 132, ports 7001 -> 7000), ip4 (IPv4 proto 253), ip6 (IPv6 next header 253) or
      ether (ethertype 0x88b5), vlan5 (the same tagged VLAN 5, priority 1): COUNT raw frames to DSTMAC
  ntuple_probe.py fill IFACE COUNT QUEUE [--base-port P] [--masked]
      inserts up to COUNT tcp4 rules (10.99.0.1:P+i -> 10.99.0.2:80, action QUEUE, any location) through the
      ethtool ioctl; prints "added=N errno=E" (E: the errno that stopped it, 0 if none). --masked leaves the
      destination port out (10.99.0.1:P+i -> 10.99.0.2), so the rules go to the ordered list, not the hash index
  ntuple_probe.py clear IFACE
      deletes every rule; prints "deleted=N"
"""
import argparse
import ctypes
import fcntl
import os
import socket
import struct
import sys
import time

SO_INCOMING_CPU = 49
SO_INCOMING_NAPI_ID = 56
SIOCETHTOOL = 0x8946
ETHTOOL_GRXCLSRLCNT, ETHTOOL_GRXCLSRLALL, ETHTOOL_SRXCLSRLDEL, ETHTOOL_SRXCLSRLINS = 0x2E, 0x30, 0x31, 0x32
TCP_V4_FLOW = 0x01
RX_CLS_LOC_ANY = 0xFFFFFFFF
# struct ethtool_rxnfc: cmd, flow_type, data, fs {flow_type, h_u[52], h_ext[20], m_u[52], m_ext[20], (pad),
# ring_cookie, location, (pad)}, rule_cnt, (pad): 192 bytes.
RXNFC = struct.Struct("=IIQ I52s20s52s20s4xQI4x I4x")


def family(proto):
    return socket.AF_INET6 if proto.endswith("6") else socket.AF_INET


def recv(a):
    fam = family(a.proto)
    if a.proto.startswith("udp"):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind(("", a.port))
        conn = s
    else:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", a.port))
        s.listen(1)
    s.settimeout(a.timeout)
    open(a.ready, "w").close()
    n = 0
    try:
        if a.proto.startswith("tcp"):
            conn, _ = s.accept()
            conn.settimeout(a.timeout)
            buf = b""
            while n < a.count:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
                n = len(buf) // 64
        else:
            while n < a.count:
                conn.recv(2048)
                n += 1
    except socket.timeout:
        pass
    napi = conn.getsockopt(socket.SOL_SOCKET, SO_INCOMING_NAPI_ID)
    cpu = conn.getsockopt(socket.SOL_SOCKET, SO_INCOMING_CPU)
    print(f"count={n} napi={napi} cpu={cpu}")
    return 0 if n >= a.count else 1


def follow(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", a.port))
    s.listen(1)
    s.settimeout(a.timeout)
    open(a.ready, "w").close()
    conn, _ = s.accept()
    conn.settimeout(a.timeout)
    out = []
    for cpu, napi in ((a.cpu_a, a.napi_a), (a.cpu_b, a.napi_b)):
        os.sched_setaffinity(0, {cpu})
        deadline = time.time() + a.timeout
        reads = streak = 0
        while streak < 20 and time.time() < deadline:
            if not conn.recv(4096):
                break
            reads += 1
            streak = streak + 1 if conn.getsockopt(socket.SOL_SOCKET, SO_INCOMING_NAPI_ID) == napi else 0
        out.append(reads if streak >= 20 else -1)
    conn.close()
    print(f"a={out[0]} b={out[1]}")
    return 0 if min(out) >= 0 else 1


def send(a):
    fam = family(a.proto)
    kind = socket.SOCK_DGRAM if a.proto.startswith("udp") else socket.SOCK_STREAM
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", a.sport))
    s.connect((a.addr, a.port))
    if kind == socket.SOCK_STREAM:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for i in range(a.count):
            s.send(i.to_bytes(4, "big") + bytes(60))
            time.sleep(0.002)
    except (BrokenPipeError, ConnectionResetError):
        if not a.until_closed:
            raise
    s.close()


def csum(data):
    if len(data) % 2:
        data += b"\0"
    t = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF


def raw(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    src_mac = s.getsockname()[4]
    dst_mac = bytes.fromhex(a.dstmac.replace(":", ""))
    payload = b"rxgbe-ntuple" + bytes(40)
    if a.kind in ("sctp4", "ip4"):
        proto = 132 if a.kind == "sctp4" else 253
        l4 = struct.pack("!HHII", 7001, 7000, 1, 0) + payload if proto == 132 else payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                         socket.inet_aton(a.src), socket.inet_aton(a.dst))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frame = dst_mac + src_mac + b"\x08\x00" + ip + l4
    elif a.kind == "ip6":
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(payload), 253, 64,
                         socket.inet_pton(socket.AF_INET6, a.src), socket.inet_pton(socket.AF_INET6, a.dst))
        frame = dst_mac + src_mac + b"\x86\xdd" + ip + payload
    elif a.kind == "vlan5":
        frame = dst_mac + src_mac + b"\x81\x00" + (0x2005).to_bytes(2, "big") + b"\x88\xb5" + payload
    else:
        frame = dst_mac + src_mac + b"\x88\xb5" + payload
    for i in range(a.count):
        s.send(frame)
        if i % 16 == 15:
            time.sleep(0.005)


def ethtool_ioctl(iface, buf):
    b = ctypes.create_string_buffer(bytes(buf), len(buf))
    ifr = struct.pack("16sP16x", iface.encode(), ctypes.addressof(b))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
    return b.raw


def fill(a):
    added, err = 0, 0
    mask = b"\xff" * 4 + b"\xff" * 4 + b"\xff\xff" + (b"\0\0" if a.masked else b"\xff\xff") + bytes(40)
    for i in range(a.count):
        h = socket.inet_aton("10.99.0.1") + socket.inet_aton("10.99.0.2") + struct.pack(
            "!HH", (a.base_port + i) & 0xFFFF, 80) + bytes(40)
        buf = RXNFC.pack(ETHTOOL_SRXCLSRLINS, 0, 0, TCP_V4_FLOW, h, bytes(20), mask, bytes(20),
                         a.queue, RX_CLS_LOC_ANY, 0)
        try:
            ethtool_ioctl(a.iface, buf)
        except OSError as e:
            err = e.errno
            break
        added += 1
    print(f"added={added} errno={err}")


def clear(a):
    hdr = RXNFC.pack(ETHTOOL_GRXCLSRLCNT, 0, 0, 0, bytes(52), bytes(20), bytes(52), bytes(20), 0, 0, 0)
    count = RXNFC.unpack(ethtool_ioctl(a.iface, hdr))[-1]
    req = RXNFC.pack(ETHTOOL_GRXCLSRLALL, 0, 0, 0, bytes(52), bytes(20), bytes(52), bytes(20), 0, 0,
                     count) + bytes(4 * count)
    out = ethtool_ioctl(a.iface, req)
    locs = struct.unpack(f"={count}I", out[RXNFC.size:RXNFC.size + 4 * count])
    for loc in locs:
        ethtool_ioctl(a.iface, RXNFC.pack(ETHTOOL_SRXCLSRLDEL, 0, 0, 0, bytes(52), bytes(20), bytes(52),
                                          bytes(20), 0, loc, 0))
    print(f"deleted={len(locs)}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    r.add_argument("proto")
    r.add_argument("port", type=int)
    r.add_argument("count", type=int)
    r.add_argument("--ready", required=True)
    r.add_argument("--timeout", type=float, default=60)
    s = sub.add_parser("send")
    s.add_argument("proto")
    s.add_argument("addr")
    s.add_argument("port", type=int)
    s.add_argument("count", type=int)
    s.add_argument("--sport", type=int, required=True)
    s.add_argument("--until-closed", action="store_true", help="the receiver closing ends the run")
    fo = sub.add_parser("follow")
    fo.add_argument("port", type=int)
    for n in ("cpu_a", "napi_a", "cpu_b", "napi_b"):
        fo.add_argument(n, type=int)
    fo.add_argument("--ready", required=True)
    fo.add_argument("--timeout", type=float, default=60)
    w = sub.add_parser("raw")
    for n in ("iface", "dstmac", "kind", "src", "dst"):
        w.add_argument(n)
    w.add_argument("count", type=int)
    f = sub.add_parser("fill")
    f.add_argument("iface")
    f.add_argument("count", type=int)
    f.add_argument("queue", type=int)
    f.add_argument("--base-port", type=int, default=20000)
    f.add_argument("--masked", action="store_true")
    c = sub.add_parser("clear")
    c.add_argument("iface")
    a = p.parse_args()
    return {"recv": recv, "send": send, "follow": follow, "raw": raw, "fill": fill, "clear": clear}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
