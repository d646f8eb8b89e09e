#!/usr/bin/env python3
"""Boot the rxgbe QEMU lab (TCG) and judge the run.

The guest (qemu/guest/init.sh, run from the 9p share of this repository) loads the driver under test on the
DUT NIC, puts a virtio-net peer in netns `peer` on the same QEMU hub, runs --mode, and prints
@@RXGBE-RESULT PASS|FAIL@@. This script streams and keeps the console log, serves the guest's monitor
requests (@@QEMU-MONITOR <hmp command>@@), enforces a hard timeout and fails the run unless PASS was seen
AND the kernel log is clean.  Stdlib only.
"""
import argparse
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VMDIR = os.path.join(ROOT, "build", "vm")
DUT_MAC = "52:54:00:12:34:56"
PEER_MAC = "52:54:00:12:34:57"
INTREE = {"igb": "drivers/net/ethernet/intel/igb/igb.ko", "e1000": "drivers/net/ethernet/intel/e1000/e1000.ko"}
QEMU_DEVICE = {"igb": "igb", "e1000": "e1000"}
# mttcg: one host thread per vCPU, real time (fast, noisy). icount: one thread, guest time runs at a fixed 2^3 ns
# per instruction (sleep=off: idle time is skipped), so rates measure instructions per packet and repeat within a
# few percent (shared/notes/benchmarking.md): the mode for driver-against-driver benchmarks.
ACCEL = {"mttcg": ["-accel", "tcg,thread=multi"],
         "icount": ["-accel", "tcg,thread=single", "-icount", "shift=3,sleep=off"]}
DEFAULT_TIMEOUT = {"demo": 900, "test": 3600, "kselftest": 3600, "cmd": 1500, "shell": 4 * 3600}

# Console lines that mean a kernel bug; a run that printed one fails even if the guest said PASS.
BAD = re.compile(r"WARNING:|BUG:|Oops|KASAN|possible circular locking|inconsistent lock state|lockdep|"
                 r"DMA-API|unreferenced object|refcount_t:|UBSAN|Kernel panic|rust_panic|panicked at|"
                 r"general protection fault|Call Trace")
# Informational boot lines of the debug kernel that match BAD.
BENIGN = re.compile(r"DMA-API: preallocated|DMA-API: debugging enabled|RCU lockdep checking is enabled")
# What --quiet still shows: guest progress, TAP results, markers, and anything bad.
PROGRESS = re.compile(r"^(ok |not ok |# |\[guest|@@|\d+ passed, \d+ failed|\[vm\])")
MARKER_MON = re.compile(r"@@QEMU-MONITOR (.*?)@@")
MARKER_RES = re.compile(r"@@RXGBE-RESULT (PASS|FAIL)@@")


def log(msg):
    print(f"[vm.py] {msg}", file=sys.stderr, flush=True)


def script_path(name):
    """Path printed by a cached lab script (scripts/kernel.sh test, scripts/rootfs.sh)."""
    out = subprocess.run([os.path.join(ROOT, "scripts", name[0])] + name[1:], check=True,
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    return out.splitlines()[-1]


def modinfo_depends(ko):
    """Dependencies of a module, read from its .modinfo strings (no host modinfo needed)."""
    with open(ko, "rb") as f:
        for field in f.read().split(b"\0"):
            if field.startswith(b"depends="):
                return [d for d in field[8:].decode().split(",") if d]
    return []


def find_module(kdir, name):
    """Path of module `name` in the kernel build tree, via modules.order."""
    want = {name.replace("-", "_")}
    with open(os.path.join(kdir, "modules.order")) as f:
        for line in f:
            rel = line.strip()
            base = os.path.basename(rel).rsplit(".", 1)[0]
            if base.replace("-", "_") in want:
                return os.path.join(kdir, rel.rsplit(".", 1)[0] + ".ko")
    raise SystemExit(f"module {name} not found in {kdir}")


def check_built_for(ko, kdir):
    """Refuse an rxgbe.ko linked for another kernel build. The lab's test and release kernels share a version
    and vermagic, so insmod would take the wrong one, and their struct layouts differ (lock debugging)."""
    cmdfile = os.path.join(os.path.dirname(ko), "." + os.path.basename(ko) + ".cmd")
    try:
        with open(cmdfile) as f:
            cmd = f.read()
    except OSError:
        raise SystemExit(f"{cmdfile} missing: cannot tell which kernel {ko} was built for (run `make module`)")
    lds = {os.path.join(d, "scripts", "module.lds") for d in (kdir, os.path.realpath(kdir))}
    if not any(p in cmd for p in lds):
        raise SystemExit(f"{ko} was not built for the kernel in {kdir}: run `make module KDIR={kdir}` "
                         "(or `make module KERNEL=release|test`)")


def stage_modules(driver, kdir):
    """Copy the driver's .ko (and its dependencies) to build/vm/modules/; return load order."""
    top = os.path.join(ROOT, "rxgbe.ko") if driver == "rxgbe" else os.path.join(kdir, INTREE[driver])
    if not os.path.isfile(top):
        raise SystemExit(f"{top} missing" + (" (run `make module`)" if driver == "rxgbe" else ""))
    if driver == "rxgbe":
        check_built_for(top, kdir)
    order, files = [], {}

    def visit(name, path):
        if name in files:
            return
        files[name] = path
        for dep in modinfo_depends(path):
            visit(dep, find_module(kdir, dep))
        order.append(name)

    visit(driver, top)
    dest = os.path.join(VMDIR, "modules")
    os.makedirs(dest, exist_ok=True)
    for name, path in files.items():
        # Atomic replace: another VM may be reading this directory through its own 9p share.
        tmp = os.path.join(dest, f".{name}.ko.{os.getpid()}")
        shutil.copyfile(path, tmp)
        os.replace(tmp, os.path.join(dest, name + ".ko"))
    return order


class Qmp:
    """Minimal QMP client; HMP commands go through human-monitor-command."""

    def __init__(self, path):
        deadline = time.time() + 10
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.settimeout(15)
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.f = self.sock.makefile("rwb")
        self._read()  # greeting
        self._call({"execute": "qmp_capabilities"})

    def _read(self):
        while True:
            msg = json.loads(self.f.readline())
            if "event" not in msg:
                return msg

    def _call(self, cmd):
        self.f.write(json.dumps(cmd).encode() + b"\n")
        self.f.flush()
        return self._read()

    def hmp(self, line):
        r = self._call({"execute": "human-monitor-command", "arguments": {"command-line": line}})
        return r["return"] if "return" in r else "error: " + json.dumps(r.get("error"))


def qemu_cmd(a, kernel, rootfs, sockdir, modules):
    args = [f"RXGBE_MODE={a.mode}", f"DRIVER={a.driver}", f"DEVICE={a.device}", f"RXGBE_NAME={a.name}",
            f"RXGBE_MODULES={','.join(modules)}", f"RXGBE_TIMEOUT={a.timeout}"]
    if a.tests:
        args.append(f"RXGBE_TESTS={a.tests}")
    append = ("root=/dev/vda rw init=/sbin/rxgbe-init console=ttyS0 panic=-1 printk.time=1 "
              + " ".join(args) + " " + a.kernel_args).strip()
    return [
        "qemu-system-x86_64", "-machine", "q35", *ACCEL[a.accel], "-cpu", a.cpu,
        "-smp", str(a.smp), "-m", str(a.mem), "-nodefaults", "-no-reboot", "-display", "none",
        "-kernel", kernel, "-append", append,
        "-drive", f"file={rootfs},format=raw,if=virtio,snapshot=on",
        "-fsdev", f"local,id=hostfs,path={ROOT},security_model=none",
        "-device", "virtio-9p-pci,fsdev=hostfs,mount_tag=host",
        "-netdev", "hubport,hubid=0,id=dut",
        "-device", f"{QEMU_DEVICE[a.device]},netdev=dut,mac={DUT_MAC},id=dutnic",
        "-netdev", "hubport,hubid=0,id=peer",
        "-device", f"{a.peer},netdev=peer,mac={PEER_MAC},id=peernic",
        # A hub port without a NIC always accepts (and drops) frames. Without it, a hub whose only other
        # port is a DUT with RX disabled (driver unloaded) stalls the peer's TX queue until the DUT is back.
        "-netdev", "hubport,hubid=0,id=sink",
    ] + (["-object", f"filter-dump,id=pcap,netdev=dut,file={a.pcap}"] if a.pcap else []) + [
        "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
        "-qmp", f"unix:{sockdir}/qmp.sock,server=on,wait=off",
        "-monitor", f"unix:{sockdir}/hmp.sock,server=on,wait=off",
    ]


def run(a):
    kdir = os.environ.get("KDIR") or script_path(["kernel.sh", "test"])
    rootfs = os.environ.get("RXGBE_ROOTFS") or script_path(["rootfs.sh"])
    kernel = os.path.join(kdir, "arch/x86/boot/bzImage")
    modules = stage_modules(a.driver, kdir)
    outdir = os.path.join(VMDIR, a.name)
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    if a.cmd is not None:
        with open(os.path.join(outdir, "cmd"), "w") as f:
            f.write(a.cmd + "\n")
    logpath = os.path.join(VMDIR, a.name + ".log")
    sockdir = tempfile.mkdtemp(prefix="rxgbe-vm-")
    cmd = qemu_cmd(a, kernel, rootfs, sockdir, modules)
    logf = open(logpath, "w", buffering=1)  # line-buffered: the log is readable while the VM runs
    logf.write("# " + " ".join(cmd) + "\n")
    log(f"{a.name}: {a.driver} on {a.device}, mode {a.mode}, timeout {a.timeout} s, log {logpath}")
    log(f"HMP monitor: socat - UNIX-CONNECT:{sockdir}/hmp.sock")

    start = time.time()
    tty = a.interactive and sys.stdin.isatty()
    proc = subprocess.Popen(cmd, stdin=None if a.interactive else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=not a.interactive)
    qmp = None
    result, boot_s, bad, buf, timed_out = None, None, [], b"", False
    tap = {"ok": 0, "not ok": 0}
    failed_lines = []  # the "not ok" lines, listed again at the end of vm-tests.sh where a log tail shows them
    prefix = f"{a.name}| "

    last_line = [""]

    def handle(line):
        nonlocal qmp, result, boot_s
        t = time.time() - start
        logf.write(f"{line}\n")
        last_line[0] = line
        show = not a.quiet or PROGRESS.search(line)
        if BAD.search(line) and not BENIGN.search(line):
            bad.append(line)
            show = True
        if show and not a.interactive:
            print(prefix + line, flush=True)
        if boot_s is None and "@@RXGBE-BOOTED@@" in line:
            boot_s = t
            log(f"guest init started after {t:.1f} s")
        m = MARKER_RES.search(line)
        if m:
            result = m.group(1)
        if re.match(r"^not ok\b", line):
            tap["not ok"] += 1
            failed_lines.append(line)
        elif re.match(r"^ok\b", line):
            tap["ok"] += 1
        m = MARKER_MON.search(line)
        if m:
            try:
                qmp = qmp or Qmp(os.path.join(sockdir, "qmp.sock"))
                reply = qmp.hmp(m.group(1))
            except (OSError, ValueError, KeyError) as e:
                reply = f"error: {e}"
            logf.write(f"[vm.py] monitor `{m.group(1)}` -> {reply.strip()!r}\n")
            if not a.quiet and not a.interactive:
                print(f"{prefix}[vm.py] monitor `{m.group(1)}` -> {reply.strip()!r}", flush=True)
            tmp = os.path.join(outdir, ".monitor.reply")
            with open(tmp, "w") as f:
                f.write(reply)
            os.replace(tmp, os.path.join(outdir, "monitor.reply"))

    fd = proc.stdout.fileno()
    try:
        while True:
            left = start + a.timeout - time.time()
            if left <= 0:
                timed_out = True
                break
            r, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            if a.interactive:
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                handle(raw.decode("utf-8", "replace").rstrip("\r"))
        if buf:
            handle(buf.decode("utf-8", "replace").rstrip("\r"))
    except KeyboardInterrupt:
        log("interrupted")
        timed_out = True
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait()
        if tty:
            subprocess.run(["stty", "sane"])
        shutil.rmtree(sockdir, ignore_errors=True)

    total = time.time() - start
    ok = result == "PASS" and not bad and not timed_out
    summary = {"name": a.name, "driver": a.driver, "device": a.device, "mode": a.mode,
               "result": "PASS" if ok else "FAIL", "guest_result": result, "timed_out": timed_out,
               "boot_s": round(boot_s, 1) if boot_s else None, "total_s": round(total, 1),
               "tap_passed": tap["ok"], "tap_failed": tap["not ok"],
               "failed_lines": failed_lines[:50], "bad_lines": bad[:50],
               "qemu_rc": proc.returncode}
    with open(os.path.join(VMDIR, a.name + ".json"), "w") as f:
        json.dump(summary, f, indent=1)
    logf.write(f"# vm.py summary: {json.dumps(summary)}\n")
    logf.close()
    if timed_out:
        log(f"TIMEOUT after {a.timeout} s: QEMU killed")
    if result is None:
        log(f"the guest printed no result marker (QEMU exit status {proc.returncode})")
        if last_line[0]:
            log(f"last console line: {last_line[0]}")
    if bad:
        log(f"kernel log NOT clean ({len(bad)} lines):")
        for line in bad[:30]:
            print("    " + line, file=sys.stderr)
    log(f"{a.name}: {'PASS' if ok else 'FAIL'} (guest {result}, boot {summary['boot_s']} s, "
        f"total {total:.0f} s, TAP {tap['ok']} ok / {tap['not ok']} not ok) log: {logpath}")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=["demo", "test", "shell", "kselftest", "cmd"], default="shell")
    p.add_argument("--driver", choices=["rxgbe", "igb", "e1000"], default="rxgbe")
    p.add_argument("--device", choices=["igb", "e1000"], default="igb")
    p.add_argument("--peer", default="virtio-net-pci", help="QEMU device model of the peer NIC")
    p.add_argument("--timeout", type=int, help="hard timeout in seconds (default per mode)")
    p.add_argument("--interactive", action="store_true", help="console on this terminal (shell mode)")
    p.add_argument("--kernel-args", default="", help="extra kernel command line words")
    p.add_argument("--name", help="log name: build/vm/<name>.log (default mode-driver-device)")
    p.add_argument("--cmd", help="shell command for --mode cmd (run with bash in the guest)")
    p.add_argument("--tests", help="test mode: comma-separated selftests to run (default all)")
    p.add_argument("--quiet", action="store_true", help="show only progress lines (the log keeps all)")
    p.add_argument("--pcap", help="write the DUT's frames to this pcap file (QEMU filter-dump)")
    # la57 off: with 5-level paging a boot of the KASAN kernel once reported a wild access in an early IRQ.
    p.add_argument("--cpu", default="max,la57=off", help="QEMU CPU model")
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--accel", choices=sorted(ACCEL), default="mttcg", help="TCG mode (icount for benchmarks)")
    p.add_argument("--mem", type=int, default=2048, help="MiB")
    a = p.parse_args()
    a.name = a.name or f"{a.mode}-{a.driver}-{a.device}"
    a.timeout = a.timeout or DEFAULT_TIMEOUT[a.mode]
    if a.mode == "cmd" and a.cmd is None:
        p.error("--mode cmd needs --cmd")
    os.makedirs(VMDIR, exist_ok=True)
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
