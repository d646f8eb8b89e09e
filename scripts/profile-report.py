#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Markdown report of scripts/profile.sh: RAW lines "DRIVER WORKLOAD PCT% DSO SYMBOL" and "DRIVER WORKLOAD samples
N". Per workload: the share of the samples in the driver module, in the networking core and elsewhere, and the top
symbols of each driver side by side."""
import sys
from collections import defaultdict

TOP = 25


def main():
    raw, header = sys.argv[1], sys.argv[2]
    rows = defaultdict(list)  # (driver, workload) -> [(pct, dso, sym)]
    samples = {}
    for line in open(raw):
        f = line.split(None, 4)
        if len(f) >= 4 and f[2] == "samples":
            samples[(f[0], f[1])] = f[3]
        elif len(f) == 5 and f[2].endswith("%"):
            rows[(f[0], f[1])].append((float(f[2][:-1]), f[3], f[4].strip()))
    drivers = sorted({d for d, _ in rows}, key=lambda d: d != "rxgbe")
    print(f"# Receive profile, rxgbe and the in-tree igb\n\n{header}. Shares of all guest samples (cpu-clock, "
          "plain TCG: an MMIO access's sample includes the device emulation it runs), symbols above 0.2%. "
          "`rust_helper_*` are the kernel's out-of-line helpers the Rust driver calls (`readl`/`writel`: rxgbe's "
          "register accesses); the C driver's accesses are inlined into its functions.\n")
    for w in sorted({w for _, w in rows}):
        print(f"## {w}\n")
        print("| driver | samples | driver module | top 10 symbols together |")
        print("|---|---|---|---|")
        for d in drivers:
            r = rows[(d, w)]
            mod = sum(p for p, dso, _ in r if dso.strip("[]") == d)
            top = sum(p for p, _, _ in sorted(r, reverse=True)[:10])
            print(f"| {d} | {samples.get((d, w), '?')} | {mod:.1f}% | {top:.1f}% |")
        print()
        print("| # | " + " | ".join(f"{d} % | {d} symbol" for d in drivers) + " |")
        print("|---|" + "---|---|" * len(drivers))
        cols = [sorted(rows[(d, w)], reverse=True)[:TOP] for d in drivers]
        for i in range(max(len(c) for c in cols)):
            cells = []
            for c in cols:
                if i < len(c):
                    p, dso, sym = c[i]
                    cells += [f"{p:.2f}", f"`{sym[:60]}` ({dso})"]
                else:
                    cells += ["", ""]
            print(f"| {i + 1} | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    main()
