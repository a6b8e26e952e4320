#!/usr/bin/env python3
"""test_run_sh.py RUN_SH BUILD_DIR CMDLINE MESSAGE: scripts/run.sh, run as a
user would but without a terminal (stdin from /dev/null, output captured),
with STAGEOS_CMDLINE=CMDLINE and STAGEOS_BUILD_DIR=BUILD_DIR (its own build
tree, so the caller's stageos.iso is left alone). run.sh installs nothing
when everything is installed, configures and builds BUILD_DIR, and boots.
Passes when run.sh exits non-zero and its output contains MESSAGE."""
import os
import subprocess
import sys
import time

run_sh, build_dir, cmdline, message = sys.argv[1:5]
env = dict(os.environ, STAGEOS_CMDLINE=cmdline, STAGEOS_BUILD_DIR=build_dir)
start = time.monotonic()
try:
    proc = subprocess.run(["bash", run_sh], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace", timeout=540)
except subprocess.TimeoutExpired as timeout:
    print((timeout.stdout or b"").decode("utf-8", errors="replace"))
    print("FAIL: run.sh did not finish within 540 s")
    sys.exit(1)
elapsed = time.monotonic() - start
if proc.returncode == 0 or message not in proc.stdout:
    print(proc.stdout)
    print(f"FAIL: expected a non-zero exit and {message!r}, got exit {proc.returncode}")
    sys.exit(1)
said = next(line for line in proc.stdout.splitlines() if message in line)
print(f"PASS: run.sh said {said!r} and exited {proc.returncode} after {elapsed:.1f} s")
