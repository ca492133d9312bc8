#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot the s2mmu arm64 VM, stream its console, judge the run.

The guest's /init (scripts/vm-init.sh) prints "S2MMU-VM:" marker lines
around every test program; the programs print TAP.  The run fails on any
failed test, a test that never finished, a module load or unload failure,
a kernel WARNING/BUG/Oops/call trace on the console, or the timeout.

The last line is "RESULT <name> passed=P failed=F skipped=S", which
scripts/check.sh adds up.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

BAD_CONSOLE = re.compile(
    r"WARNING:|BUG:|Oops|Call trace:|Kernel panic|Unable to handle kernel|"
    r"general protection fault|refcount_t:|list_add corruption|"
    r"rcu_sched self-detected stall|blocked for more than")
KERNEL_LINE = re.compile(r"^\[\s*\d+\.\d+\] ")
STALL = re.compile(r"rcu_sched self-detected stall|rcu_sched detected stalls|"
                   r"soft lockup - CPU#")
KVM_FRAME = re.compile(r"\b(kvm_\w+|__kvm_\w+|stage2_\w+)\+0x")
TAP = re.compile(r"^(not ok|ok) (\d+) ?(.*)$")
MARK = re.compile(r"^S2MMU-VM: (.*)$")
# The lock checker's counts at the end of a test run (vm-init.sh).
LOCKS = re.compile(r"^lock inversions: (\d+) provoked (\d+)$")


def qemu_cmd(args):
    append = ["console=ttyAMA0", "panic=-1", "loglevel=5",
              "s2mmu_mode=" + args.mode,
              "s2mmu_timeout=%d" % args.test_timeout]
    if args.bench_only:
        append.append("s2mmu_bench=" + args.bench_only)
    if args.only:
        append.append("s2mmu_only=" + ",".join(args.only.split()))
    if not args.kvm:
        append.append("kvm-arm.mode=none")
    return ["qemu-system-aarch64", "-M", "virt,virtualization=on",
            "-cpu", "max,pauth-impdef=on", "-smp", str(args.smp),
            "-m", args.mem, "-nographic", "-no-reboot",
            "-kernel", args.kernel, "-initrd", args.initrd,
            "-append", " ".join(append)]


class Judge:
    def __init__(self, name, expected):
        self.name = name
        self.expected = expected
        self.passed = self.failed = self.skipped = 0
        self.current = None
        self.finished = []
        self.problems = []
        self.marks = set()
        self.report = None
        self.lock_inversions = None

    def check(self, ok, what):
        if ok:
            self.passed += 1
            print("ok - %s: %s" % (self.name, what))
        else:
            self.failed += 1
            print("not ok - %s: %s" % (self.name, what))
            self.problems.append(what)

    def console_report(self, text):
        """Collects a kernel report (a WARN, a stall) up to its last
        kernel line, then judges it whole.  Return: whether @text was
        taken as part of a report."""
        if self.report is None:
            if not BAD_CONSOLE.search(text):
                return False
            self.report = [text]
            return True
        if KERNEL_LINE.match(text) and len(self.report) < 80:
            self.report.append(text)
            return True
        self.judge_report()
        return self.console_report(text)

    def judge_report(self):
        """A stall whose backtrace runs in the host kernel's own KVM and
        nowhere in s2mmu is a limit of the 6.1 KVM the comparison boot runs
        (it unmaps a whole memslot without rescheduling; under TCG on a
        loaded host that can pass the 21 s RCU stall limit or the soft
        lockup watchdog): reported, not counted against s2mmu.  Anything
        else fails."""
        report, self.report = self.report, None
        if report is None:
            return
        first = report[0].strip()
        text = "\n".join(report)
        if STALL.search(first) and KVM_FRAME.search(text) and \
                "[s2mmu]" not in text and "s2mmu_" not in text:
            self.skipped += 1
            print("ok - %s: kernel console: %s # SKIP stall inside the "
                  "host kernel's KVM (%s), not s2mmu"
                  % (self.name, first, KVM_FRAME.search(text).group(0)))
            return
        self.check(False, "kernel console: " + first)

    def line(self, text):
        if self.console_report(text):
            return
        m = MARK.match(text)
        if m:
            mark = m.group(1)
            print(text, flush=True)
            self.marks.add(mark.split(":")[0])
            lk = LOCKS.match(mark)
            if lk:
                self.lock_inversions = (int(lk.group(1)), int(lk.group(2)))
            if mark.startswith("begin "):
                self.current = mark.split()[1]
                self.tap_fail = 0
            elif mark.startswith("end "):
                test, rc = mark.split()[1], int(mark.split("rc=")[1])
                self.finished.append(test)
                if rc not in (0, 4) and not self.tap_fail:
                    self.check(False, "%s exited with %d" % (test, rc))
                self.current = None
            return
        if self.current is None:
            return
        t = TAP.match(text)
        if t:
            print("%s" % text, flush=True)
            desc = t.group(3)
            # TAP: "# SKIP" is a skip, "not ok ... # TODO" a known failure
            # (counted with the skips; the line says why).
            if "# SKIP" in desc or "# TODO" in desc:
                self.skipped += 1
            elif t.group(1) == "ok":
                self.passed += 1
            else:
                self.failed += 1
                self.tap_fail += 1
                self.problems.append("%s: %s" % (self.current, desc))
        elif text.startswith("#") or text.startswith("bench ") or \
                self.name.startswith("demo"):
            print(text, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="vm")
    ap.add_argument("--mode", default="test",
                    choices=["test", "demo", "bench", "shell"])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--test-timeout", type=int, default=600)
    ap.add_argument("--smp", type=int, default=4)
    ap.add_argument("--mem", default="2G")
    ap.add_argument("--kvm", action="store_true",
                    help="let KVM initialise (no kvm-arm.mode=none)")
    ap.add_argument("--bench-only", default="",
                    help="bench mode: run only this program of /bench")
    ap.add_argument("--only", default="",
                    help="test mode: run only these programs (space separated)")
    ap.add_argument("--expect", default="",
                    help="file listing the test programs that must run")
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    cmd = qemu_cmd(args)
    if args.mode == "shell":
        os.execvp(cmd[0], cmd)

    expected = []
    if args.expect and os.path.exists(args.expect):
        expected = open(args.expect).read().split()
    if args.only:
        expected = [t for t in expected if t in args.only.split()]
    judge = Judge(args.name, expected)
    log = open(args.log, "w")
    log.write("# " + " ".join(cmd) + "\n")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + args.timeout
    buf = b""
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            proc.kill()
            break
        r, _, _ = select.select([proc.stdout], [], [], min(left, 5))
        if not r:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for raw in lines:
            text = raw.decode("utf-8", "replace").rstrip("\r")
            log.write(text + "\n")
            judge.line(text)
    log.write(buf.decode("utf-8", "replace"))
    judge.judge_report()
    proc.wait()
    log.close()

    judge.check(not timed_out,
                "VM finished within %d s" % args.timeout)
    judge.check("insmod ok" in judge.marks, "module loaded")
    if args.mode != "shell":
        judge.check("rmmod ok" in judge.marks, "module unloaded")
    if args.mode == "test":
        # Inversions beyond those lock_check_test provokes on purpose are
        # the real code's (Documentation/locking.rst, the checker).
        n, p = judge.lock_inversions or (-1, 0)
        judge.check(n == p, "no lock taken out of rank order in the run "
                    "(%d inversions, %d provoked)" % (n, p))
    for test in expected:
        if test not in judge.finished:
            judge.check(False, "%s did not run to its end" % test)
    print("RESULT %s passed=%d failed=%d skipped=%d"
          % (args.name, judge.passed, judge.failed, judge.skipped))
    if judge.failed:
        print("# %s failures:" % args.name)
        for p in judge.problems:
            print("#   " + p)
        print("# console log: " + args.log)
    return 1 if judge.failed else 0


if __name__ == "__main__":
    sys.exit(main())
