#!/usr/bin/env python3
"""PTP hardware clock and hardware timestamping probes for timestamp.sh. Stdlib only; each command exits 0
when its condition holds and prints what it measured.

  tstamp_probe.py rate PTP EXPECT TOL            the PHC runs at EXPECT x CLOCK_REALTIME's rate, +-TOL
  tstamp_probe.py near-realtime PTP MS           the PHC is within MS ms of CLOCK_REALTIME
  tstamp_probe.py settime PTP SECONDS|now        clock_settime, then the PHC reads SECONDS (+ < 1 s)
  tstamp_probe.py step PTP NS                    ADJ_SETOFFSET by NS moves the PHC by NS (+ < 0.5 s)
  tstamp_probe.py freq PTP PPB                   ADJ_FREQUENCY accepted (exit 1 and errno name if refused)
  tstamp_probe.py sysoff PTP                     PTP_SYS_OFFSET_EXTENDED: system samples bracket each read
  tstamp_probe.py hwts-get IF                    prints "TX RX" (SIOCGHWTSTAMP); errnos print as Python names
                                                 (EOPNOTSUPP is ENOTSUP)
  tstamp_probe.py hwts-set IF TX RX              SIOCSHWTSTAMP (exit 1 and errno name if refused)
  tstamp_probe.py tx IF PTP DSTIP COUNT          COUNT UDP datagrams each get a hardware transmit timestamp
                                                 between PHC reads taken around the send
  tstamp_probe.py rx IF PTP NS PEERIF MSG COUNT yes|no
                                                 the peer (netns NS, PEERIF) sends COUNT PTPv2 messages of
                                                 type MSG to IF; each has (yes) or lacks (no) a hardware
                                                 receive timestamp within the PHC window of the exchange
  tstamp_probe.py send-ptp IF DSTMAC MSG COUNT   (peer side) COUNT PTPv2-over-Ethernet frames of type MSG
"""
import ctypes
import ctypes.util
import errno
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import time

SO_TIMESTAMPING = 37
SOF_TX_HARDWARE, SOF_RX_HARDWARE, SOF_RAW_HARDWARE = 1 << 0, 1 << 2, 1 << 6
SOF_OPT_ID, SOF_OPT_TSONLY = 1 << 7, 1 << 11
SIOCSHWTSTAMP, SIOCGHWTSTAMP = 0x89B0, 0x89B1
ETH_P_1588 = 0x88F7
ADJ_FREQUENCY, ADJ_SETOFFSET, ADJ_NANO = 0x0002, 0x0100, 0x2000
NS = 1_000_000_000

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


class Timeval(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("usec", ctypes.c_long)]


class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("constant", ctypes.c_long), ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
                ("time", Timeval), ("tick", ctypes.c_long), ("ppsfreq", ctypes.c_long),
                ("jitter", ctypes.c_long), ("shift", ctypes.c_int), ("stabil", ctypes.c_long),
                ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long), ("errcnt", ctypes.c_long),
                ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int), ("pad", ctypes.c_int * 11)]


def phc(path):
    fd = os.open(path, os.O_RDWR)
    return fd, ((~fd) << 3) | 3


def now(clk):
    return time.clock_gettime_ns(clk)


def adjtime(clk, tx):
    if libc.clock_adjtime(ctypes.c_int(clk), ctypes.byref(tx)) < 0:
        e = ctypes.get_errno()
        print("refused:", errno.errorcode.get(e, e))
        return False
    return True


def cmd_rate(a):
    _, clk = phc(a[0])
    p0, s0 = now(clk), time.clock_gettime_ns(time.CLOCK_REALTIME)
    time.sleep(1)  # the measurement interval
    p1, s1 = now(clk), time.clock_gettime_ns(time.CLOCK_REALTIME)
    rate = (p1 - p0) / (s1 - s0)
    print(f"PHC ran {p1 - p0} ns in {s1 - s0} ns of CLOCK_REALTIME: rate {rate:.5f}")
    return abs(rate - float(a[1])) <= float(a[2])


def cmd_near_realtime(a):
    _, clk = phc(a[0])
    d = now(clk) - time.clock_gettime_ns(time.CLOCK_REALTIME)
    print(f"PHC - CLOCK_REALTIME = {d} ns")
    return abs(d) <= int(a[1]) * 1_000_000


def cmd_settime(a):
    _, clk = phc(a[0])
    want = time.clock_gettime_ns(time.CLOCK_REALTIME) if a[1] == "now" else int(a[1]) * NS
    time.clock_settime_ns(clk, want)
    got = now(clk)
    print(f"set {want}, read {got}")
    return want <= got < want + NS


def cmd_step(a):
    _, clk = phc(a[0])
    delta = int(a[1])
    tx = Timex(modes=ADJ_SETOFFSET | ADJ_NANO)
    sign = -1 if delta < 0 else 1
    sec, nsec = divmod(abs(delta), NS)
    sec *= sign
    nsec *= sign
    if nsec < 0:
        sec, nsec = sec - 1, nsec + NS
    tx.time = Timeval(sec, nsec)
    before = now(clk)
    if not adjtime(clk, tx):
        return False
    moved = now(clk) - before - delta
    print(f"stepped by {delta}: moved {moved + delta} ns")
    return 0 <= moved < NS // 2


def cmd_freq(a):
    _, clk = phc(a[0])
    ppb = int(a[1])
    tx = Timex(modes=ADJ_FREQUENCY, freq=ppb * 65536 // 1000)
    return adjtime(clk, tx)


def cmd_sysoff(a):
    fd, _ = phc(a[0])
    n = 5
    # struct ptp_sys_offset_extended: n_samples, clockid, rsv[2], ts[25][3] of {s64 sec; u32 nsec; u32 rsv}
    buf = bytearray(struct.pack("=II8x", n, 0) + bytes(25 * 3 * 16))
    size = len(buf)
    req = (3 << 30) | (size << 16) | (ord("=") << 8) | 9  # _IOWR('=', 9, ...)
    fcntl.ioctl(fd, req, buf)
    last = None
    ok = True
    for i in range(n):
        pre, dev, post = (struct.unpack_from("=qI", buf, 16 + (i * 3 + j) * 16) for j in range(3))
        pre, dev, post = (s * NS + ns for s, ns in (pre, dev, post))
        print(f"sample {i}: pre {pre} phc {dev} post {post}")
        ok &= pre <= post and (last is None or dev > last)
        last = dev
    return ok


def hwts_req(ifname, cfg):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    cbuf = ctypes.create_string_buffer(cfg, 12)
    ifr = struct.pack("16sP", ifname.encode(), ctypes.addressof(cbuf)) + bytes(16)
    return s, cbuf, ifr


def cmd_hwts_get(a):
    s, cbuf, ifr = hwts_req(a[0], bytes(12))
    try:
        fcntl.ioctl(s, SIOCGHWTSTAMP, ifr)
    except OSError as e:
        print("refused:", errno.errorcode.get(e.errno, e.errno))
        return False
    _, tx, rx = struct.unpack("iii", cbuf.raw)
    print(tx, rx)
    return True


def cmd_hwts_set(a):
    s, cbuf, ifr = hwts_req(a[0], struct.pack("iii", 0, int(a[1]), int(a[2])))
    try:
        fcntl.ioctl(s, SIOCSHWTSTAMP, ifr)
    except OSError as e:
        print("refused:", errno.errorcode.get(e.errno, e.errno))
        return False
    return True


def hw_stamp(anc):
    """The raw hardware timestamp of an SCM_TIMESTAMPING control message, or 0."""
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPING and len(data) >= 48:
            sec, nsec = struct.unpack_from("=qq", data, 32)
            return sec * NS + nsec
    return 0


def cmd_tx(a):
    ifname, ptp, dst, count = a[0], a[1], a[2], int(a[3])
    _, clk = phc(ptp)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING,
                 SOF_TX_HARDWARE | SOF_RAW_HARDWARE | SOF_OPT_ID | SOF_OPT_TSONLY)
    good = 0
    for i in range(count):
        before = now(clk)
        s.sendto(b"rxgbe-tstamp" + bytes(50), (dst, 9))
        stamp = 0
        deadline = time.monotonic() + 2
        poller = select.poll()
        poller.register(s, select.POLLERR)  # a queued timestamp reads as an error condition
        while not stamp and time.monotonic() < deadline:
            if not poller.poll(max(0, int((deadline - time.monotonic()) * 1000))):
                continue
            try:
                _, anc, _, _ = s.recvmsg(64, 1024, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            stamp = hw_stamp(anc)
            if not stamp:
                print(f"datagram {i}: error queue message without a hardware stamp: {anc}")
        after = now(clk)
        inside = before <= stamp <= after
        good += inside
        if not inside:
            print(f"datagram {i}: stamp {stamp} outside [{before}, {after}]")
    print(f"{good}/{count} datagrams stamped inside their PHC window")
    return good == count


def ptp_frame(dst, src, msg, seq):
    # PTPv2 header: messageType (transportSpecific 0), versionPTP 2, messageLength 44, domain 0, flags,
    # correction, reserved, sourcePortIdentity (10 bytes), sequenceId, control, logMessageInterval; then a
    # 10-byte originTimestamp (zero). Padded to the Ethernet minimum.
    hdr = struct.pack("!BBHBB2s8s4s10sHBb", msg, 2, 44, 0, 0, b"", bytes(8), bytes(4),
                      src + b"\x00\x01\x00\x01", seq, 0, 0)
    return dst + src + ETH_P_1588.to_bytes(2, "big") + hdr + bytes(10) + bytes(4)


def cmd_send_ptp(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a[0], 0))
    src = s.getsockname()[4]
    dst = bytes.fromhex(a[1].replace(":", ""))
    for i in range(int(a[3])):
        s.send(ptp_frame(dst, src, int(a[2]), i))
        time.sleep(0.05)  # one frame per receive latch: the receiver frees it between frames
    return True


def cmd_rx(a):
    ifname, ptp, ns, peer_if, msg, count, want = a[0], a[1], a[2], a[3], int(a[4]), int(a[5]), a[6] == "yes"
    _, clk = phc(ptp)
    r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_1588))
    r.bind((ifname, 0))
    r.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING, SOF_RX_HARDWARE | SOF_RAW_HARDWARE)
    mac = r.getsockname()[4].hex(":")
    before = now(clk)
    sender = subprocess.Popen(["nsenter", f"--net=/run/netns/{ns}", sys.executable, __file__, "send-ptp",
                               peer_if, mac, str(msg), str(count)])
    stamps = []
    deadline = time.monotonic() + 10
    while len(stamps) < count and time.monotonic() < deadline:
        ready, _, _ = select.select([r], [], [], max(0, deadline - time.monotonic()))
        if not ready:
            break
        data, anc, _, _ = r.recvmsg(2048, 1024)
        if len(data) > 14 and data[14] & 0x0F == msg:
            stamps.append(hw_stamp(anc))
    sender.wait()
    after = now(clk)
    inside = sum(before <= t <= after for t in stamps)
    unstamped = sum(t == 0 for t in stamps)
    print(f"type {msg}: received {len(stamps)}/{count}, {inside} stamped inside [{before}, {after}], "
          f"{unstamped} without a stamp")
    if len(stamps) != count:
        return False
    return inside == count if want else unstamped == count


COMMANDS = {"rate": cmd_rate, "near-realtime": cmd_near_realtime, "settime": cmd_settime, "step": cmd_step,
            "freq": cmd_freq, "sysoff": cmd_sysoff, "hwts-get": cmd_hwts_get, "hwts-set": cmd_hwts_set,
            "tx": cmd_tx, "rx": cmd_rx, "send-ptp": cmd_send_ptp}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(0 if COMMANDS[sys.argv[1]](sys.argv[2:]) else 1)
