#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""KVM's selftests that measure, s2mmu beside KVM.

Reads the "bench kvmst TEST.METRIC SECONDS" lines of the two vm-bench
console logs (s2mmu through kvm-compat in the kvm-arm.mode=none boot, KVM
in the KVM boot; same binaries, same options) and prints one row per
figure with the ratio s2mmu / KVM (below 1: s2mmu took less time).  The
machine is emulated (TCG; KVM runs nested in it), so ratios, not absolute
times, are the point.
"""
import re
import sys

LINE = re.compile(r"^bench kvmst (\S+) ([0-9.]+)$")


def figures(path):
    out = {}
    try:
        with open(path, errors="replace") as f:
            for text in f:
                m = LINE.match(text.strip())
                if m:
                    out[m.group(1)] = float(m.group(2))
    except OSError:
        pass
    return out


def main():
    s2, kvm = figures(sys.argv[1]), figures(sys.argv[2])
    names = list(dict.fromkeys(list(s2) + list(kvm)))
    if not names:
        print("# kvm selftests benchmarks: no figures")
        return 0
    print("# KVM selftests benchmarks (seconds; ratio = s2mmu / KVM)")
    print("# %-52s %14s %14s %8s" % ("figure", "s2mmu", "KVM", "ratio"))
    for n in names:
        a, b = s2.get(n), kvm.get(n)
        ratio = "%.2f" % (a / b) if a is not None and b else "-"
        fmt = lambda v: "-" if v is None else "%.6f" % v
        print("# %-52s %14s %14s %8s" % (n, fmt(a), fmt(b), ratio))
    return 0


if __name__ == "__main__":
    sys.exit(main())
