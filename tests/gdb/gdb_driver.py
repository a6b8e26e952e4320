#!/usr/bin/env python3
"""Run one GDB test: QEMU stopped at the first instruction, GDB in batch mode.

Used by the ctest tests labelled "gdb" (tests/gdb/CMakeLists.txt):

  tests/gdb/gdb_driver.py --iso build/gcc/test-boot.iso --elf build/gcc/src/stageos.elf \\
      --script tests/gdb/test_cr3_switch.py

It picks a free TCP port, starts QEMU (TCG, -S, GDB stub on that port,
serial output in a log file), waits until the stub listens, and runs
`gdb -batch -nx` with the test script. The script (which runs inside GDB,
see gdbtest.py) connects, checks what it sees, prints "GDBTEST PASS" and
detaches; the kernel then runs to its end, and the ISO's `exit` word ends
QEMU with status 33 after "KERNEL OK" (or, for a test that makes the
kernel fail, the --expect-status and --expect-last-line it gives). Every
step has a time limit; on any failure the driver prints why, GDB's output
and the serial log, kills QEMU and exits 1.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
ANSI_ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[()][A-Za-z0-9]|[=>])")
PASS_MARKER = "GDBTEST PASS"

sys.path.insert(0, os.path.join(SOURCE_ROOT, "scripts"))
import qemu_status  # noqa: E402 (what QEMU's exit status means)


class DriverFailure(Exception):
    pass


def free_port():
    """A TCP port nobody listens on now: bind port 0, read it, close."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_listening(port):
    """Whether some socket listens on the port (state 0A in /proc/net/tcp).
    Not by connecting: QEMU's GDB server would take that for a debugger."""
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
                return True
    return False


def serial_text(path):
    raw = open(path, "rb").read() if os.path.exists(path) else b""
    text = ANSI_ESCAPE.sub("", raw.decode("utf-8", errors="replace"))
    return "\n".join(line.rstrip() for line in text.replace("\r", "").split("\n")).strip()


def qemu_command(args, port, serial_log, reset_log):
    return ["qemu-system-x86_64", "-machine", args.machine, "-cpu", args.cpu, "-m", args.memory,
            "-accel", "tcg", "-display", "none", "-vga", "none", "-monitor", "none",
            *qemu_status.qemu_args(reset_log),
            "-serial", f"file:{serial_log}", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-cdrom", args.iso, "-boot", "d", "-S", "-gdb", f"tcp:127.0.0.1:{port}"]


def start_qemu(args, serial_log, qemu_log, reset_log):
    """Start QEMU and wait until its GDB stub listens; returns (process, port).
    If another program took the port first, try again with a new one."""
    for _ in range(3):
        port = free_port()
        cmd = qemu_command(args, port, serial_log, reset_log)
        with open(qemu_log, "wb") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None and not is_listening(port):
            time.sleep(0.02)
        if proc.poll() is None and is_listening(port):
            print("qemu: " + " ".join(cmd))
            return proc, port
        said = open(qemu_log, errors="replace").read()
        stop(proc)
        if "Address already in use" not in said:
            raise DriverFailure(f"QEMU's GDB stub is not listening on port {port} after 10 s; "
                                f"QEMU said: {said.strip()!r}")
    raise DriverFailure("three free ports in a row were taken before QEMU could bind them")


def stop(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def run_gdb(args, port, serial_log):
    """GDB in batch mode with the test script; returns its exit status and output."""
    env = dict(os.environ, STAGEOS_GDB_PORT=str(port), STAGEOS_ELF=args.elf, STAGEOS_SERIAL_LOG=serial_log)
    paths = [os.path.join(SOURCE_ROOT, "scripts", "gdb"), HERE]
    # No __pycache__ in the source tree: the modules are imported from there.
    setup = f"python import sys; sys.dont_write_bytecode = True; sys.path[:0] = {paths!r}"
    cmd = [args.gdb, "-batch", "-nx", "-ex", setup, "-x", args.script]
    print("gdb: " + " ".join(cmd))
    try:
        done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=args.gdb_timeout)
    except subprocess.TimeoutExpired as timeout:
        output = (timeout.stdout or b"").decode("utf-8", errors="replace")
        raise DriverFailure(f"GDB did not finish within {args.gdb_timeout:.0f} s (killed)", output) from None
    return done.returncode, done.stdout.decode("utf-8", errors="replace")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iso", required=True, help="a test ISO whose command line has `exit`")
    p.add_argument("--elf", required=True, help="the kernel ELF with debug information")
    p.add_argument("--script", required=True, help="the GDB test script (Python, runs inside GDB)")
    p.add_argument("--machine", default="pc", choices=["pc", "q35"])
    p.add_argument("--cpu", default="qemu64")
    p.add_argument("--memory", default="128M")
    p.add_argument("--gdb", default="gdb")
    p.add_argument("--gdb-timeout", type=float, default=30.0, help="seconds GDB may take")
    p.add_argument("--finish-timeout", type=float, default=30.0,
                   help="seconds the kernel may take to end QEMU once GDB has detached")
    p.add_argument("--expect-status", type=int, default=qemu_status.SUCCESS,
                   help="QEMU's exit status once GDB has detached (35 for a test that makes the kernel panic)")
    p.add_argument("--expect-last-line", default="KERNEL OK",
                   help="regular expression the last non-empty serial line must match in full")
    args = p.parse_args()

    for path, what in ((args.iso, "ISO"), (args.elf, "kernel ELF"), (args.script, "GDB script")):
        if not os.path.exists(path):
            print(f"FAIL: the {what} {path} does not exist (build first: cmake --build <dir>)")
            return 1
    for program in ("qemu-system-x86_64", args.gdb):
        if shutil.which(program) is None:
            print(f"FAIL: {program} not found on PATH: run scripts/setup.sh")
            return 1

    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stageos-gdb-") as tmp:
        serial_log = os.path.join(tmp, "serial.log")
        qemu_log = os.path.join(tmp, "qemu.log")
        proc = None
        gdb_output = ""
        try:
            proc, port = start_qemu(args, serial_log, qemu_log, os.path.join(tmp, "qemu-reset.log"))
            status, gdb_output = run_gdb(args, port, serial_log)
            if PASS_MARKER not in gdb_output:
                raise DriverFailure(f"the GDB script did not print {PASS_MARKER!r} "
                                    f"(GDB exit status {status})")
            if status != 0:
                raise DriverFailure(f"GDB exit status {status}, expected 0")
            try:
                proc.wait(timeout=args.finish_timeout)
            except subprocess.TimeoutExpired:
                raise DriverFailure(f"QEMU did not exit within {args.finish_timeout:.0f} s "
                                    "after GDB detached") from None
            if proc.returncode != args.expect_status:
                raise DriverFailure(f"{qemu_status.describe(proc.returncode)}; "
                                    f"expected QEMU exit status {args.expect_status}")
            lines = [line for line in serial_text(serial_log).split("\n") if line.strip()]
            if not lines or not re.fullmatch(args.expect_last_line, lines[-1].strip()):
                last = lines[-1] if lines else "(none)"
                raise DriverFailure(f"last serial line is {last!r}, expected {args.expect_last_line!r}")
        except DriverFailure as failure:
            if proc is not None:
                stop(proc)
            output = failure.args[1] if len(failure.args) > 1 else gdb_output
            print(f"FAIL: {failure.args[0]}")
            print("---- GDB output ----\n" + output.strip() + "\n---- end of GDB output ----")
            print("---- serial log ----\n" + (serial_text(serial_log) or "(empty)"))
            print("---- end of serial log ----")
            qemu_said = open(qemu_log, errors="replace").read().strip() if os.path.exists(qemu_log) else ""
            if qemu_said:
                print("qemu said: " + qemu_said)
            return 1
        finally:
            if proc is not None:
                stop(proc)

    print(gdb_output.strip())
    print(f"PASS in {time.monotonic() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
