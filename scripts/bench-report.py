#!/usr/bin/env python3
"""Benchmark report of scripts/bench.sh: min / median / max per driver and the rxgbe/igb ratio of the medians.

    bench-report.py --raw RAW --settings SETTINGS --out PREFIX [--header "key: value" ...]

RAW: lines "REP DRIVER WORKLOAD METRIC VALUE". SETTINGS: lines "DRIVER | NAME | VALUE".
Writes PREFIX.md (Markdown: header, settings, every figure) and PREFIX.png (gnuplot bar chart of the ratios),
prints the summary table on stdout. Exit status 1 when the drivers ran with different settings (coalescing
excepted: each driver keeps its default). Stdlib only.
"""
import argparse
import os
import statistics
import subprocess
import sys
from collections import defaultdict

A, B = "rxgbe", "igb"
# Metric -> (unit, better): "high" or "low" is what the target compares; None = reported only.
METRICS = {
    "Mbit_s": ("Mbit/s", "high"),
    "rx_pps": ("packets/s received", "high"),
    "offered_pps": ("packets/s offered by the peer", None),
    "lost_pct": ("% of offered frames not received", "low"),
    "trans_per_s": ("transactions/s", "high"),
    "p50_us": ("round trip p50, us", "low"),
    "p99_us": ("round trip p99, us", "low"),
    "irqs_per_s": ("DUT queue interrupts/s", None),
    "cpu_ms_per_GB": ("guest kernel CPU ms per GB", "low"),
    "cpu_ms_per_Mpkt": ("guest kernel CPU ms per million packets", "low"),
}
WORKLOADS = ["tcp_rx_1", "tcp_rx_4", "tcp_tx_1", "tcp_tx_4", "udp64_rx", "tcp_rr"]


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


def load(path):
    data = defaultdict(lambda: defaultdict(list))  # (workload, metric) -> driver -> values
    for line in open(path):
        parts = line.split()
        if len(parts) != 5:
            continue
        _rep, drv, wl, metric, value = parts
        try:
            data[(wl, metric)][drv].append(float(value))
        except ValueError:
            continue
    return data


def rows(data):
    order = {w: i for i, w in enumerate(WORKLOADS)}
    morder = {m: i for i, m in enumerate(METRICS)}
    out = []
    for (wl, metric) in sorted(data, key=lambda k: (order.get(k[0], 99), morder.get(k[1], 99))):
        d = data[(wl, metric)]
        stats = {}
        for drv in (A, B):
            v = sorted(d.get(drv, []))
            stats[drv] = (v[0], statistics.median(v), v[-1], len(v)) if v else None
        ratio = None
        if stats[A] and stats[B] and stats[B][1]:
            ratio = stats[A][1] / stats[B][1]
        better = METRICS.get(metric, ("", None))[1]
        if better is None or not (stats[A] and stats[B]):
            verdict = ""
        elif ratio is None:
            # igb's median is 0: only a "lower is better" figure of 0 for rxgbe as well matches it.
            verdict = "ok" if better == "low" and stats[A][1] == 0 else "behind"
        elif better == "high":
            verdict = "ok" if ratio >= 1.0 else "behind"
        else:
            verdict = "ok" if ratio <= 1.0 else "behind"
        out.append((wl, metric, stats, ratio, better, verdict))
    return out


def settings_table(path):
    per = defaultdict(dict)
    for line in open(path):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3:
            per[parts[1]][parts[0]] = parts[2]
    lines = [f"| setting | {A} | {B} |", "|---|---|---|"]
    differ = []
    for name in per:
        a, b = per[name].get(A, "-"), per[name].get(B, "-")
        lines.append(f"| {name} | {a} | {b} |")
        if a != b and "coalescing" not in name:
            differ.append(name)
    return lines, differ


def chart(rs, png):
    pts = [(f"{wl} {m}", r) for wl, m, _s, r, better, _v in rs if r is not None and better and m != "lost_pct"]
    if not pts:
        return False
    dat = png + ".dat"
    with open(dat, "w") as f:
        for i, (label, r) in enumerate(pts):
            f.write(f'{i} {r:.4f} "{label}"\n')
    script = f"""
set terminal png size 1100,600 font ",9" noenhanced
set output "{png}"
set title "rxgbe / in-tree igb, ratio of medians (throughput: higher is better; CPU, latency, drops: lower)"
set style fill solid 0.6
set boxwidth 0.7
set yrange [0:*]
set grid ytics
set xtics rotate by -45 scale 0
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2
unset key
plot "{dat}" using 1:2:xtic(3) with boxes
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bench-report: no chart ({e})", file=sys.stderr)
        return False
    finally:
        os.remove(dat)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--settings", required=True)
    ap.add_argument("--out", required=True, help="output prefix (PREFIX.md, PREFIX.png)")
    ap.add_argument("--header", action="append", default=[], help='"key: value" lines for the report head')
    args = ap.parse_args()

    rs = rows(load(args.raw))
    set_lines, differ = settings_table(args.settings)
    has_png = chart(rs, args.out + ".png")

    table = [f"| workload | metric | {A} min / median / max | {B} min / median / max | ratio of medians | target |",
             "|---|---|---|---|---|---|"]
    for wl, metric, stats, ratio, better, verdict in rs:
        cells = []
        for drv in (A, B):
            s = stats[drv]
            cells.append(f"{fmt(s[0])} / **{fmt(s[1])}** / {fmt(s[2])} (n={s[3]})" if s else "-")
        target = {"high": ">= 1.0", "low": "<= 1.0"}.get(better, "")
        mark = f" ({verdict})" if verdict else ""
        unit = METRICS.get(metric, (metric, None))[0]
        rtxt = f"{ratio:.3f}" if ratio is not None else "-"
        table.append(f"| {wl} | {unit} | {cells[0]} | {cells[1]} | {rtxt} | {target}{mark} |")

    name = args.out.rsplit("/", 1)[-1]
    md = ["# rxgbe benchmark: rxgbe against the in-tree C igb", ""]
    md += [f"- {h}" for h in args.header]
    md += ["", "## Settings", ""] + set_lines
    if differ:
        md += ["", f"**The drivers ran with different settings: {', '.join(differ)}.**"]
    md += ["", "## Results", ""] + table
    if has_png:
        md += ["", f"![ratios]({name}.png)"]
    behind = [f"{wl} {m}" for wl, m, _s, _r, _b, v in rs if v == "behind"]
    md += ["", "Where rxgbe is behind: " + (", ".join(behind) if behind else "nowhere") + "."]
    with open(args.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")

    print("\n".join(table))
    print()
    print("Where rxgbe is behind: " + (", ".join(behind) if behind else "nowhere"))
    if differ:
        print(f"bench-report: the drivers ran with different settings: {', '.join(differ)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
