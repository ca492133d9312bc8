#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A/B comparison of the engine: make bench-ab REV=<git revision>.

Builds the hosted benchmark twice with the same compiler and flags: A with
the engine of REV (pgtable.c, include/, the hosted backend, taken from
`git archive REV`), B with the working tree's.  Both use the working
tree's benchmark driver, so the workloads are the same code; a revision
whose engine the driver cannot build with falls back to that revision's
own driver (workloads matched by name).

It then takes one sample of every workload (the median of --runs runs in
one process) from A and from B back to back, the order alternating between
rounds, ROUNDS times, and prints per workload
the median ns/page of each, the median of the paired ratios B/A with
their interquartile range, and the instructions per page of each under
callgrind (deterministic, so meaningful on a busy machine; only the
workload's run_NAME() is counted).  The counters of the timed part (TLBIs,
BBMs, table pages) must be the same for A and B; a difference is shown.

Absolute times drift on shared machines: only ratios taken in one run
mean anything.  Run it under the heavy-job lock:
    flock /tmp/s2mmu-heavy.lock make bench-ab REV=main
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

COUNTERS = ("tlbi_ipa", "tlbi_range", "tlbi_vmid", "bbm", "table_pages")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def build(args, src, out, driver):
    """Compile the bench from tree @src with @driver into @out."""
    hosted = os.path.join(src, "selftests", "hosted")
    cmd = ([args.cc] + args.cflags.split() +
           ["-I" + os.path.join(src, "include"), "-I" + hosted,
            "-I" + args.ksft, "-o", out, driver,
            os.path.join(src, "pgtable.c"), os.path.join(hosted, "s2_hosted.c"),
            "-lpthread"])
    return subprocess.run(cmd, text=True, capture_output=True)


def build_rev(args):
    sha = sh(["git", "-C", args.top, "rev-parse", "--verify",
              args.rev + "^{commit}"], capture_output=True).stdout.strip()
    base = os.path.join(args.out, sha[:12])
    src = os.path.join(base, "src")
    if not os.path.isdir(src):
        os.makedirs(src + ".tmp", exist_ok=True)
        sh("git -C '%s' archive %s | tar -x -C '%s'" % (args.top, sha,
                                                        src + ".tmp"),
           shell=True)
        os.rename(src + ".tmp", src)
    exe = os.path.join(base, "pgtable_bench")
    own = os.path.join(src, "selftests", "hosted", "pgtable_bench.c")
    driver = args.driver
    res = build(args, src, exe, driver)
    if res.returncode:
        sys.stderr.write("bench-ab: %s's engine does not build with this "
                         "driver, using its own:\n%s" % (args.rev, res.stderr))
        driver = own
        res = build(args, src, exe, driver)
    if res.returncode:
        sys.exit("bench-ab: cannot build %s:\n%s" % (args.rev, res.stderr))
    return sha, exe, workloads(driver)


def workloads(driver):
    """The names of the workloads @driver's table lists, in order."""
    return re.findall(r'\{ "([a-z0-9_]+)",', open(driver).read())


def parse(line):
    f = line.split()
    rec = {"name": f[1]}
    for kv in f[2:]:
        k, v = kv.split("=")
        rec[k] = float(v)
    return rec


def run_one(exe, name, runs):
    out = sh([exe, str(runs), name], capture_output=True).stdout
    recs = [parse(ln) for ln in out.splitlines() if ln.startswith("bench ")]
    if len(recs) != 1:
        sys.exit("bench-ab: %s printed no line for %s" % (exe, name))
    return recs[0]


def instr(exe, name):
    """Instructions executed by run_NAME(), callees included."""
    res = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         "--collect-atstart=no", "--toggle-collect=run_" + name, exe, "1",
         name], text=True, capture_output=True)
    m = re.search(r"Collected\s*:\s*(\d+)", res.stderr)
    if res.returncode or not m:
        return None
    return int(m.group(1))


def quartiles(xs):
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", required=True)
    ap.add_argument("--rev", required=True)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3,
                    help="runs per sample, the sample is their median")
    ap.add_argument("--only", default="", help="space-separated workloads")
    ap.add_argument("--instr", choices=("short", "all", "none"),
                    default="short",
                    help="callgrind counts: all workloads, all but *_64g "
                         "(short, the default), or none")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--cflags", required=True)
    ap.add_argument("--ksft", required=True)
    args = ap.parse_args()
    args.out = os.path.join(args.top, "build", "bench-ab")
    args.driver = os.path.join(args.top, "selftests", "hosted",
                               "pgtable_bench.c")
    os.makedirs(args.out, exist_ok=True)

    sha, exe_a, names_a = build_rev(args)
    exe_b = os.path.join(args.out, "tree", "pgtable_bench")
    os.makedirs(os.path.dirname(exe_b), exist_ok=True)
    res = build(args, args.top, exe_b, args.driver)
    if res.returncode:
        sys.exit("bench-ab: cannot build the working tree:\n" + res.stderr)

    names = workloads(args.driver)
    if args.only:
        names = [n for n in names if n in args.only.split()]
    if args.instr == "none" or not shutil.which("valgrind"):
        do_instr = set()
    elif args.instr == "short":
        do_instr = {n for n in names if not n.endswith("_64g")}
    else:
        do_instr = set(names)

    print("bench-ab: A = %s (%s), B = working tree; %d rounds, A and B "
          "interleaved" % (args.rev, sha[:12], args.rounds))
    sys.stdout.flush()
    ns = {n: ([], []) for n in names}
    first = {}
    # ROUNDS=0: instructions and counters only (one run each for those).
    # A workload A's own driver lacks is run on B only (no ratio).
    sides = {n: ((0, exe_a), (1, exe_b)) if n in names_a else ((1, exe_b),)
             for n in names}
    if args.rounds == 0:
        for n in names:
            for side, exe in sides[n]:
                first[(n, side)] = run_one(exe, n, 1)
    for r in range(args.rounds):
        for n in names:
            order = sides[n] if r % 2 == 0 else sides[n][::-1]
            for side, exe in order:
                rec = run_one(exe, n, args.runs)
                ns[n][side].append(rec["ns_per_page"])
                first.setdefault((n, side), rec)
        print("bench-ab: round %d/%d done" % (r + 1, args.rounds),
              file=sys.stderr)

    ins = {}
    for n in names:
        if n in do_instr:
            ins[n] = (instr(exe_a, n) if n in names_a else None,
                      instr(exe_b, n))

    hdr = ("%-22s %9s %9s  %-19s %9s %9s %6s  %s" %
           ("workload", "A ns/pg", "B ns/pg", "B/A time (IQR)",
            "A ins/pg", "B ins/pg", "B/A", "counters A vs B"))
    print(hdr)
    print("-" * len(hdr))
    for n in names:
        a, b = ns[n]
        ratios = sorted(y / x for x, y in zip(a, b) if x > 0)
        tcol = "%9s %9s  %-19s" % ("-", "-", "-")
        if b and not a:
            tcol = "%9s %9.2f  %-19s" % ("-", statistics.median(b),
                                         "(not in A)")
        if ratios:
            q1, q3 = quartiles(ratios)
            tcol = "%9.2f %9.2f  %5.2f (%4.2f-%4.2f)" % (
                statistics.median(a), statistics.median(b),
                statistics.median(ratios), q1, q3)
        ra, rb = first.get((n, 0)), first[(n, 1)]
        pages = rb["pages"]
        diff = ["%s %d->%d" % (c, ra.get(c, -1), rb.get(c, -1))
                for c in COUNTERS if ra and ra.get(c) != rb.get(c)]
        ia, ib = ins.get(n, (None, None))
        icol = "%9s %9s %6s" % ("-", "-", "-")
        if ia and ib:
            icol = "%9.1f %9.1f %6.2f" % (ia / pages, ib / pages, ib / ia)
        elif ib:
            icol = "%9s %9.1f %6s" % ("-", ib / pages, "-")
        print("%-22s %s  %s  %s" %
              (n, tcol, icol,
               "-" if not ra else "same" if not diff else
               "DIFFER: " + ", ".join(diff)))
    print("ns/pg: median over rounds; B/A time: median of the per-round "
          "ratios (interquartile range); ins/pg: callgrind instructions "
          "in run_NAME() per page")


if __name__ == "__main__":
    main()
