#!/usr/bin/env python3
"""Reads rxgbe's `ethtool -d DEV raw on` dump (layout version 1, docs/ethtool.md) from stdin.

  regdump.py DEVICE NAME   prints register NAME (e.g. CTRL, RDLEN0, TDT3) as a decimal number
  regdump.py DEVICE mac    prints the address in RAL0/RAH0 (aa:bb:...)
  regdump.py DEVICE length prints the dump's documented length in bytes (stdin not read)
DEVICE is igb (82576, 16 queue blocks) or e1000 (82540EM, one queue).
"""
import struct
import sys

COMMON = ["CTRL", "STATUS", "EECD", "CTRL_EXT", "MDIC", "FCAL", "FCAH", "FCT", "VET", "ITR", "IMS", "RCTL",
          "FCTTV", "TCTL", "TIPG", "LEDCTL", "PBA", "GPIE", "EIMS", "EIAC", "IVAR_MISC", "FCRTL", "FCRTH",
          "RXCSUM", "RLPML", "MRQC", "RAL0", "RAH0", "VFTA0"]
QUEUE = ["RDBAL", "RDBAH", "RDLEN", "SRRCTL", "RDH", "RDT", "RXDCTL",
         "TDBAL", "TDBAH", "TDLEN", "TDH", "TDT", "TXDCTL"]
QUEUES = {"igb": 16, "e1000": 1}


def names(device):
    out = list(COMMON)
    for q in range(QUEUES[device]):
        out += [f"{n}{q}" for n in QUEUE]
    return out


def main():
    device, what = sys.argv[1], sys.argv[2]
    layout = names(device)
    if what == "length":
        print(len(layout) * 4)
        return 0
    data = sys.stdin.buffer.read()
    words = struct.unpack(f"<{len(data) // 4}I", data[: len(data) // 4 * 4])
    regs = dict(zip(layout, words))
    if what == "mac":
        lo, hi = regs["RAL0"], regs["RAH0"]
        b = struct.pack("<IH", lo, hi & 0xFFFF)
        print(":".join(f"{x:02x}" for x in b))
        return 0
    if what not in regs:
        print(f"no register {what} in a dump of {len(words)} words", file=sys.stderr)
        return 1
    print(regs[what])
    return 0


if __name__ == "__main__":
    sys.exit(main())
