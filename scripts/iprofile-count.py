#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Counts a QEMU `-d exec` trace taken with one instruction per translation block (scripts/iprofile.sh): prints
"N SYMBOL" per kernel symbol of the guest's /proc/kallsyms (user space as "[user]"), most first, then
"# entries N SYMBOL" for each driver-module symbol: how often its first instruction ran, i.e. its calls."""
import bisect
import collections
import sys

USER_TOP = 0x0000800000000000  # x86-64 canonical user half


def main():
    trace, kallsyms = sys.argv[1], sys.argv[2]
    pcs = collections.Counter()
    with open(trace, "rb") as f:
        # "Trace CPU: HOSTPTR [CS_BASE/PC/FLAGS/CFLAGS] ..."
        for line in f:
            p = line.split(b"/", 2)
            if len(p) == 3:
                pcs[p[1]] += 1
    syms = []
    for line in open(kallsyms):
        f = line.split()
        if len(f) >= 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16), f[2] + (" " + f[3] if len(f) > 3 else "")))
    syms.sort()
    starts = [a for a, _ in syms]
    per_sym = collections.Counter()
    entries = {}
    for pc, n in pcs.items():
        a = int(pc, 16)
        if a < USER_TOP:
            per_sym["[user]"] += n
            continue
        i = bisect.bisect_right(starts, a) - 1
        name = syms[i][1] if i >= 0 else "[unknown]"
        per_sym[name] += n
        if i >= 0 and starts[i] == a and name.endswith("]"):
            entries[name] = n
    for name, n in per_sym.most_common():
        print(f"{n} {name}")
    for name, n in sorted(entries.items()):
        print(f"# entries {n} {name}")


if __name__ == "__main__":
    main()
