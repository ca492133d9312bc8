#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-guest-code.py BINARY...: guest code must not leave its section.

The selftests and benchmarks copy their "s2guest" section into guest
memory (selftests/s2mmu/guest_code.h).  Code there that branches to, or
computes the address of, anything outside the section would run or read
host program bytes that were never copied.  The compiler does that for
calls to libc or libgcc (memset, outlined atomics), jump tables and string
literals: this finds every PC-relative target outside the section.
Binaries without the section are skipped.  Exit status 1 on a violation.
"""
import re
import subprocess
import sys

OBJDUMP = "aarch64-linux-gnu-objdump"
PCREL = re.compile(r"^\s*([0-9a-f]+):\s+[0-9a-f]{8}\s+"
                   r"(b|bl|b\.\w+|cbn?z|tbn?z|adrp?|ldr|ldrsw|prfm)\s+"
                   r".*?\b([0-9a-f]+) <([^>]*)>")


def section_bounds(binary):
    with open(binary, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return None
    out = subprocess.run([OBJDUMP, "-h", binary], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) > 4 and f[1] == "s2guest":
            start, size = int(f[3], 16), int(f[2], 16)
            return start, start + size
    return None


def check(binary):
    bounds = section_bounds(binary)
    if not bounds:
        return 0
    start, end = bounds
    base = start & ~0xfff
    out = subprocess.run([OBJDUMP, "-d", "-j", "s2guest", binary],
                         capture_output=True, text=True, check=True).stdout
    bad = 0
    for line in out.splitlines():
        m = PCREL.match(line)
        if not m:
            continue
        target = int(m.group(3), 16)
        lo = base if m.group(2) == "adrp" else start
        if not lo <= target < end:
            print("%s: guest code leaves s2guest: %s" % (binary, line.strip()))
            bad += 1
    return bad


def main():
    bad = sum(check(b) for b in sys.argv[1:])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
