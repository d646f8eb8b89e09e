#!/usr/bin/env python3
"""Summarise kselftest KTAP runs (one file per driver) as one table, and check the required tests.

    ksft-table.py [--required "ping.py napi_id.py"] [--optional-subcases "*xdp*"] [--check NAME] A.ktap [B.ktap ...]

Each file is the KTAP written by qemu/guest/kselftest.sh (layout of the upstream run_kselftest.sh: a top-level
"ok N selftests: <collection>: <test>" per test, the test's own KTAP nested under "# "). The column of a file is
its name without .ktap (e.g. rxgbe-igb). A cell is "<result> [p<pass> f<fail> s<skip>] <seconds>s" where the
counts are the test's sub-cases; result is pass, fail, skip, timeout, missing or notrun; "!" marks kernel
warnings logged during the test.

--check NAME: exit 1 unless every required test passed in column NAME. A required test passes when each of its
sub-cases that does not match an --optional-subcases glob is "ok" (not skipped); a test without parsed sub-cases
must be "ok" at the top level.
"""
import argparse
import fnmatch
import re
import sys
from pathlib import Path

TOP = re.compile(r'^(ok|not ok) (\d+) selftests: (\S+): (\S+)(?:\s+#\s*(.*))?$')
HDR = re.compile(r'^# selftests: (\S+): (\S+)$')
SUB = re.compile(r'^# (ok|not ok) (\d+) (\S+)(?:\s+#\s*(.*))?$')
TIME = re.compile(r'^# rxgbe: exit (-?\d+) after (\d+) s$')


class Test:
    def __init__(self, coll, name):
        self.coll, self.name = coll, name
        self.result = 'notrun'
        self.directive = ''
        self.subs = []          # (name, status) with status pass/fail/skip/xfail
        self.seconds = None
        self.warnings = 0

    @property
    def key(self):
        return ('hw/' if self.coll.endswith('/hw') else '') + self.name

    def counts(self):
        c = {'pass': 0, 'fail': 0, 'skip': 0, 'xfail': 0}
        for _, s in self.subs:
            c[s] += 1
        return c


def sub_status(ok, directive):
    d = (directive or '').upper()
    if d.startswith('SKIP'):
        return 'skip'
    if d.startswith('XFAIL'):
        return 'xfail'
    return 'pass' if ok == 'ok' else 'fail'


def parse(path):
    tests = {}
    order = []
    cur = None
    complete = False
    for line in Path(path).read_text(errors='replace').splitlines():
        line = line.rstrip()
        m = HDR.match(line)
        if m:
            cur = Test(m.group(1), m.group(2))
            continue
        m = TOP.match(line)
        if m:
            ok, _, coll, name, directive = m.groups()
            t = cur if cur and cur.name == name else Test(coll, name)
            d = (directive or '')
            if d.upper().startswith('TIMEOUT'):
                t.result = 'timeout'
            elif 'out of time budget' in d:
                t.result = 'notrun'
            elif d.upper().startswith('SKIP'):
                t.result = 'skip'
            elif ok == 'ok':
                t.result = 'pass'
            else:
                t.result = 'fail'
            if any('is missing' in x for x in getattr(t, '_notes', [])):
                t.result = 'missing'
            t.directive = d
            tests[t.key] = t
            order.append(t.key)
            cur = None
            continue
        if cur is None:
            if line.startswith('# rxgbe: run took'):
                complete = True
            continue
        if line.startswith('# rxgbe: attempt ') and not line.startswith('# rxgbe: attempt 1 '):
            cur.subs = []       # a retry of the whole test: its sub-cases supersede the failed attempt's
            continue
        m = SUB.match(line)
        if m:
            ok, _, name, directive = m.groups()
            cur.subs.append((name, sub_status(ok, directive)))
            continue
        m = TIME.match(line)
        if m:
            cur.seconds = int(m.group(2))
            continue
        if line.startswith('# rxgbe-dmesg:'):
            cur.warnings += 1
        elif 'is missing!' in line:
            cur.__dict__.setdefault('_notes', []).append(line)
    return tests, order, complete


def cell(t):
    if t is None:
        return '-'
    c = t.counts()
    s = t.result
    if t.subs:
        s += f" [p{c['pass']} f{c['fail']} s{c['skip'] + c['xfail']}]"
    if t.seconds is not None:
        s += f' {t.seconds}s'
    if t.warnings:
        s += ' !'
    return s


def required_verdict(t, optional):
    """(passed, reason)"""
    if t is None:
        return False, 'not run'
    if t.result in ('timeout', 'missing', 'notrun'):
        return False, t.result
    rel = [(n, s) for n, s in t.subs if not any(fnmatch.fnmatchcase(n, g) for g in optional)]
    if not rel:
        if t.result == 'pass':
            return True, 'pass'
        return False, f'{t.result} (no sub-case results)'
    bad = [f'{n}={s}' for n, s in rel if s != 'pass']
    if bad:
        return False, ', '.join(bad)
    return True, f'{len(rel)} required sub-case(s) pass'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--required', default='ping.py napi_id.py')
    ap.add_argument('--optional-subcases', default='*xdp*')
    ap.add_argument('--check', help='column name whose required tests must pass (exit status)')
    ap.add_argument('ktap', nargs='+')
    args = ap.parse_args()
    required = args.required.split()
    optional = args.optional_subcases.split()

    cols = []
    for p in args.ktap:
        tests, order, complete = parse(p)
        cols.append((Path(p).name.removesuffix('.ktap'), tests, order, complete))

    keys = []
    for _, _, order, _ in cols:
        for k in order:
            if k not in keys:
                keys.append(k)
    for r in required:
        if r not in keys and ('hw/' + r) not in keys:
            keys.insert(0, r)

    def is_req(k):
        return k in required or k.removeprefix('hw/') in required

    rows = [['test'] + [c[0] for c in cols]]
    for k in keys:
        rows.append([k + (' *' if is_req(k) else '')] + [cell(c[1].get(k)) for c in cols])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    fmt = lambda r: '| ' + ' | '.join(x.ljust(w) for x, w in zip(r, widths)) + ' |'
    print(fmt(rows[0]))
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for r in rows[1:]:
        print(fmt(r))
    print()
    print('* required   [p f s] = sub-cases passed / failed / skipped (xfail counted as skipped)   '
          '! = kernel warnings in the log   results: pass fail skip timeout missing notrun')
    for name, tests, order, complete in cols:
        tot = {}
        for t in tests.values():
            tot[t.result] = tot.get(t.result, 0) + 1
        summary = ', '.join(f'{v} {k}' for k, v in sorted(tot.items()))
        print(f'{name}: {len(tests)} tests: {summary}' + ('' if complete else '  (run INCOMPLETE)'))

    rc = 0
    if args.check:
        col = next((c for c in cols if c[0] == args.check), None)
        if col is None:
            print(f'required: no results for {args.check}')
            return 1
        tests = col[1]
        for r in required:
            t = tests.get(r) or tests.get('hw/' + r)
            ok, why = required_verdict(t, optional)
            print(f"required {r} on {args.check}: {'PASS' if ok else 'FAIL'} ({why})")
            if not ok:
                rc = 1
    return rc


if __name__ == '__main__':
    sys.exit(main())
