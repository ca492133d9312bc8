#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""KVM's selftests that measure, s2mmu beside KVM.

Reads the "bench kvmst TEST.METRIC SECONDS" lines of the two vm-bench
console logs (s2mmu through kvm-compat in the kvm-arm.mode=none boot, KVM
in the KVM boot; same binaries, same options) and prints one row per
figure with the ratio s2mmu / KVM (below 1: s2mmu took less time).  The
machine is emulated (TCG; KVM runs nested in it), so ratios, not absolute
times, are the point.

With VM_BENCH_REV the s2mmu boot measured two modules, alternating, and
named its figures TEST@new.METRIC and TEST@base.METRIC: each gets its own
column (the mean of its runs, which are listed too) and ratio to KVM, and
new / base is the A/B ratio of the same boot.
"""
import re
import statistics
import sys

LINE = re.compile(r"^bench kvmst (\S+) ([0-9.]+)$")
# TEST@TAG.METRIC (kvm_selftests.sh under VM_BENCH_REV): TEST.METRIC, TAG.
TAGGED = re.compile(r"^([^@.]+(?:\.[^@.]+)?)@([a-z]+)\.(.+)$")


def figures(path):
    """{figure: {tag: [seconds, ...]}}, tag "" without VM_BENCH_REV."""
    out = {}
    try:
        with open(path, errors="replace") as f:
            for text in f:
                m = LINE.match(text.strip())
                if m:
                    name, tag = m.group(1), ""
                    t = TAGGED.match(name)
                    if t:
                        name, tag = t.group(1) + "." + t.group(3), t.group(2)
                    out.setdefault(name, {}).setdefault(tag, []).append(
                        float(m.group(2)))
    except OSError:
        pass
    return out


def fmt(v):
    return "-" if v is None else "%.6f" % v


def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"


def mean(runs):
    return statistics.mean(runs) if runs else None


def main():
    s2, kvm = figures(sys.argv[1]), figures(sys.argv[2])
    names = list(dict.fromkeys(list(s2) + list(kvm)))
    if not names:
        print("# kvm selftests benchmarks: no figures")
        return 0
    ab = any("base" in s2.get(n, {}) for n in names)
    print("# KVM selftests benchmarks (seconds; ratio = s2mmu / KVM)")
    if not ab:
        print("# %-52s %14s %14s %8s" % ("figure", "s2mmu", "KVM", "ratio"))
        for n in names:
            a = mean(s2.get(n, {}).get("", []))
            b = mean(kvm.get(n, {}).get("", []))
            print("# %-52s %14s %14s %8s" % (n, fmt(a), fmt(b), ratio(a, b)))
        return 0
    print("# %-40s %12s %12s %12s %8s %8s %8s" %
          ("figure", "new", "base", "KVM", "new/KVM", "base/KVM", "new/base"))
    for n in names:
        new = s2.get(n, {}).get("new", [])
        base = s2.get(n, {}).get("base", [])
        a, b = mean(new), mean(base)
        k = mean(kvm.get(n, {}).get("", []))
        print("# %-40s %12s %12s %12s %8s %8s %8s" %
              (n, fmt(a), fmt(b), fmt(k), ratio(a, k), ratio(b, k),
               ratio(a, b)))
        print("#   runs: new %s base %s" %
              (" ".join(fmt(v) for v in new), " ".join(fmt(v) for v in base)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
