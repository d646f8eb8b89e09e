#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Markdown report of scripts/iprofile.sh: DIR holds DRIVER-WORKLOAD.counts (scripts/iprofile-count.py). Per
workload: guest instructions per packet the DUT driver received in the window, by category and by the symbols
where the two drivers differ most."""
import re
import sys

TOP = 25
# The calls of which one happens once per received packet, in each driver: the per-packet normaliser (rxgbe
# delivers a frame of one buffer with rxgbe_napi_receive_buf, any other with rxgbe_napi_receive).
PER_PACKET = {
    "rxgbe": ["rxgbe_napi_receive [rxgbe]", "rxgbe_napi_receive_buf [rxgbe]"],
    "igb": ["igb_process_skb_fields [igb]"],
}
CATEGORIES = [
    ("copies to and from user space", re.compile(r"copy_(to|from)_iter|copy_mc|copy_user|rep_movs")),
    ("driver module", re.compile(r" \[(rxgbe|igb)\]$")),
    ("page allocator, page pool, DMA mapping", re.compile(
        r"page_pool|^xas_|^__xa_|free_one_page|pcplist|pcppages|frozen_page|get_page_from_freelist|"
        r"zone_watermark|prep_new_page|alloc_pages|^dma_|^__dma_|_dma_|folio_put|page_frag")),
    ("user space", re.compile(r"^\[user\]$")),
]


def demangle(sym):
    """Readable path of a Rust v0 symbol (`_R...`), identifiers only; other names as they are."""
    name, _, mod = sym.partition(" ")
    if not name.startswith("_R"):
        return sym
    idents, i, s = [], 2, name
    while i < len(s):
        c = s[i]
        if c.isdigit():
            j = i
            while j < len(s) and s[j].isdigit():
                j += 1
            n = int(s[i:j])
            if j < len(s) and s[j] == "_":
                j += 1
            idents.append(s[j:j + n])
            i = j + n
        elif c in "sB" or (c == "C" and i + 1 < len(s) and s[i + 1] == "s"):
            i = s.find("_", i) + 1 or len(s)  # disambiguator, back-reference, crate hash
        elif c == "N" and i + 1 < len(s):
            i += 2  # namespace tag
        else:
            i += 1
    idents = [x for x in idents if x not in ("rxgbe_main", "core", "kernel")]
    return "::".join(idents) + (" " + mod if mod else "")


def names(drv):
    """The per-packet calls of `drv`, for the report's text."""
    return " and ".join(f"`{sym.split()[0]}`" for sym in PER_PACKET[drv])


def load(path):
    counts, entries = {}, {}
    for line in open(path):
        if line.startswith("# entries "):
            n, name = line[len("# entries "):].rstrip("\n").split(" ", 1)
            entries[name] = int(n)
        else:
            n, name = line.rstrip("\n").split(" ", 1)
            counts[name] = int(n)
    return counts, entries


def category(name):
    for label, rx in CATEGORIES:
        if rx.search(name):
            return label
    return "rest of the kernel"


def main():
    d, workloads, header = sys.argv[1], sys.argv[2].split(), sys.argv[3]
    print("# Guest instructions per received packet, rxgbe and the in-tree igb\n")
    print(f"{header}. Counted from QEMU's log of every executed guest instruction (one instruction per "
          "translation block) in a window of each workload; divided by the packets the DUT driver delivered in "
          f"the window (calls of {names('rxgbe')} for rxgbe, {names('igb')} for igb). "
          "The whole guest counts: the peer's side (e1000e, the "
          "sending or answering application) is the same for both drivers. Copies to and from user space "
          "depend on where the window cuts the socket reads, so compare the other rows first.\n")
    for w in workloads:
        per = {}
        for drv in ("rxgbe", "igb"):
            counts, entries = load(f"{d}/{drv}-{w}.counts")
            pkts = sum(entries.get(sym, 0) for sym in PER_PACKET[drv])
            if pkts == 0:
                sys.exit(f"iprofile-report: {drv} {w}: no packets received in the window")
            per[drv] = (pkts, {k: v / pkts for k, v in counts.items()})
        (pa, a), (pb, b) = per["rxgbe"], per["igb"]
        print(f"## {w}\n")
        print(f"Packets in the window: rxgbe {pa}, igb {pb}.\n")
        print("| instructions per packet | rxgbe | igb | rxgbe - igb |")
        print("|---|---|---|---|")
        labels = [label for label, _ in CATEGORIES] + ["rest of the kernel"]
        ca = {k: 0.0 for k in labels}
        cb = dict(ca)
        for k, v in a.items():
            ca[category(k)] += v
        for k, v in b.items():
            cb[category(k)] += v
        for k in labels:
            print(f"| {k} | {ca[k]:.0f} | {cb[k]:.0f} | {ca[k] - cb[k]:+.0f} |")
        ta, tb = sum(ca.values()), sum(cb.values())
        print(f"| **all** | **{ta:.0f}** | **{tb:.0f}** | **{ta - tb:+.0f}** (ratio {ta / tb:.3f}) |")
        na = ta - ca[labels[0]]
        nb = tb - cb[labels[0]]
        print(f"| all but the copies | {na:.0f} | {nb:.0f} | {na - nb:+.0f} (ratio {na / nb:.3f}) |\n")
        print(f"Symbols where the drivers differ most (instructions per packet):\n")
        print("| rxgbe | igb | difference | symbol |")
        print("|---|---|---|---|")
        rows = sorted(set(a) | set(b), key=lambda s: -abs(a.get(s, 0) - b.get(s, 0)))
        for s in rows[:TOP]:
            print(f"| {a.get(s, 0):.1f} | {b.get(s, 0):.1f} | {a.get(s, 0) - b.get(s, 0):+.1f} | "
                  f"`{demangle(s)}` |")
        print()


if __name__ == "__main__":
    main()
