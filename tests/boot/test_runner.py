#!/usr/bin/env python3
"""test_runner.py RUNNER ISO CASE: the boot runner itself must fail clearly,
never hang: CASE 'missing-qemu' points it at a QEMU that does not exist;
CASE 'silent-kernel' starts QEMU paused (-S), so nothing is ever printed;
CASE 'triple-fault' boots an ISO whose kernel triple-faults (QEMU exit
status 0) while the runner expects the usual 33.
Passes when the runner exits 1 with the expected reason, in time."""
import subprocess
import sys
import time

runner, iso, case = sys.argv[1], sys.argv[2], sys.argv[3]
cases = {
    "missing-qemu": (["--qemu", "qemu-system-x86_64-that-does-not-exist"],
                     "not found on PATH: run scripts/setup.sh"),
    "silent-kernel": (["--timeout", "3", "--", "-S"],
                      "did not exit within 3 s and the kernel printed nothing on COM1"),
    "triple-fault": ([], "FAIL: the CPU reset (triple fault): QEMU exit status 0"),
}
args, reason = cases[case]
start = time.monotonic()
proc = subprocess.run([sys.executable, runner, "--iso", iso] + args, capture_output=True, text=True, timeout=60)
elapsed = time.monotonic() - start
out = proc.stdout + proc.stderr
if proc.returncode != 1 or reason not in out:
    print(out)
    print(f"FAIL: expected exit 1 with {reason!r}, got exit {proc.returncode}")
    sys.exit(1)
print(f"PASS: the runner said {reason!r} and exited 1 after {elapsed:.1f} s")
