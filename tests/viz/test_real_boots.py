#!/usr/bin/env python3
"""test_real_boots.py BUILD_DIR: memviz on dumps the kernel itself printed.

Boots test-debug.iso (`exit debug`: the kernel prints a dump just before
KERNEL OK) on a 128 MiB pc and a 4 GiB q35 machine through
scripts/qemu_boot.py, keeps each serial log, then runs the checks of
test_memviz.py (the drawn rectangles and the --json model equal the dump's
lines) on those logs. Label `viz`; it needs QEMU and the kernel build."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import test_memviz  # noqa: E402

BOOTS = {
    "pc-128m": ["--machine", "pc", "--memory", "128M", "--cpu", "qemu64"],
    "q35-4g": ["--machine", "q35", "--memory", "4G", "--cpu", "max", "--smp", "2"],
}


def boot(build_dir, name, args, directory):
    log = os.path.join(directory, f"{name}.log")
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "qemu_boot.py"), "--iso",
           os.path.join(build_dir, "test-debug.iso"), "--keep-log", log, "--timeout", "120",
           "--expect", r"^dump end lines=\d+$"] + args
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL: booting {name} for its dump failed:\n{result.stdout}{result.stderr}")
    return log


def main():
    build_dir = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="stageos-viz-") as tmp:
        logs = {name: boot(build_dir, name, args, tmp) for name, args in BOOTS.items()}
        suite = unittest.TestSuite()
        for name, log in logs.items():
            def check(self, log=log):
                drawing = self.check_fixture(log)
                self.assertEqual(drawing.model["dump"]["source"], "kernel")
                self.assertEqual(drawing.model["dump"]["stage"], "smp")
                self.assertTrue(drawing.drawn("free"), "a real boot has free blocks")
            method = f"test_kernel_dump_of_{name.replace('-', '_')}"
            setattr(test_memviz.DrawingMatchesDump, method, check)
            suite.addTest(test_memviz.DrawingMatchesDump(method))
        result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
