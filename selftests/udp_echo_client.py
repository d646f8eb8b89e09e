#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""UDP echo client of selftests/xsk.sh: sends numbered datagrams of varying size and random content to
HOST:PORT and checks each answer is the same bytes. First one at a time (SEQUENTIAL datagrams), then a burst
(BURST datagrams sent before any answer is read). Prints "ok=N bad=N lost=N"; exits 0 only if all came back
intact."""
import os
import socket
import sys
import time


def payload(i):
    return i.to_bytes(4, "big") + os.urandom(12 + (i * 97) % 1400)


def main():
    host, port, sequential, burst = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.connect((host, port))
    sent, answers = {}, {}

    def collect(until_seq, deadline):
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                r = s.recv(4096)
            except socket.timeout:
                return
            answers[int.from_bytes(r[:4], "big")] = r
            if until_seq is not None and until_seq in answers:
                return

    for i in range(sequential):
        sent[i] = payload(i)
        s.send(sent[i])
        collect(i, time.monotonic() + 2)
    for i in range(sequential, sequential + burst):
        sent[i] = payload(i)
        s.send(sent[i])
    deadline = time.monotonic() + 5
    while len(answers) < len(sent) and time.monotonic() < deadline:
        collect(None, min(deadline, time.monotonic() + 0.5))
    ok = sum(1 for i, p in sent.items() if answers.get(i) == p)
    bad = sum(1 for i, p in sent.items() if i in answers and answers[i] != p)
    print(f"ok={ok} bad={bad} lost={len(sent) - ok - bad}")
    return 0 if ok == len(sent) else 1


if __name__ == "__main__":
    sys.exit(main())
