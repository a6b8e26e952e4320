#!/usr/bin/env python3
"""Boot a StageOS ISO in QEMU (TCG, headless) and check how it ended.

Used by the ctest boot tests and usable by hand:

  scripts/qemu_boot.py --iso build/gcc/test-boot.iso --machine q35 --firmware uefi

It starts QEMU with the serial port in a log file and the isa-debug-exit
device, waits for QEMU to exit (or kills it after --timeout seconds), then
checks the exit status, the last serial line and any --expect patterns. On
any failure it prints why and the whole serial log, and exits 1. A status
other than the expected one is named (scripts/qemu_status.py): 35 "the kernel
panicked", 0 "the CPU reset (triple fault)"; with --expect-status 0, QEMU's
reset log must also record the triple fault.

With --need-qemu 8.1 it first asks --qemu for its version and, when that
QEMU is older (or missing), prints why and exits 77, which ctest reports
as skipped: a test of a feature QEMU emulates only from some version on
(x2APIC under TCG: 8.1) never passes or fails on a QEMU without it.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import qemu_status

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
ANSI_ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[()][A-Za-z0-9]|[=>])")


def fail(reason, log_text=None):
    print(f"FAIL: {reason}")
    if log_text is not None:
        print("---- serial log ----")
        print(log_text if log_text else "(empty: the kernel printed nothing on COM1)")
        print("---- end of serial log ----")
    sys.exit(1)


def clean_lines(raw):
    """The serial log as lines, without GRUB's terminal escapes and CRs."""
    text = ANSI_ESCAPE.sub("", raw.decode("utf-8", errors="replace"))
    return [line.rstrip("\r").rstrip() for line in text.replace("\r\n", "\n").split("\n")]


SKIPPED = 77  # ctest's SKIP_RETURN_CODE for the boot tests


def qemu_version(qemu):
    """(major, minor) of the QEMU binary at qemu, or None if it does not run."""
    try:
        out = subprocess.run([qemu, "--version"], stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"QEMU emulator version (\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else None


def skip_unless_qemu_at_least(args):
    """Exit SKIPPED, saying why, unless args.qemu is at least --need-qemu."""
    try:
        need = tuple(int(v) for v in args.need_qemu.split("."))
    except ValueError:
        fail(f"--need-qemu {args.need_qemu!r} is not a version like 8.1")
    qemu = shutil.which(args.qemu)
    have = qemu_version(qemu) if qemu else None
    if have is None or have < need:
        found = f"{qemu} is QEMU {have[0]}.{have[1]}" if have else f"{args.qemu} is not a QEMU that runs"
        print(f"SKIPPED: this test needs QEMU {args.need_qemu} or later and {found}; "
              "scripts/setup.sh fetches one on Debian 12 (scripts/setup-x2apic-qemu.sh)")
        sys.exit(SKIPPED)


def build_command(args, serial_log, vars_copy, reset_log):
    qemu = shutil.which(args.qemu)
    if qemu is None:
        fail(f"{args.qemu} not found on PATH: run scripts/setup.sh to install QEMU")
    cmd = [qemu, "-machine", args.machine, "-cpu", args.cpu, "-m", args.memory,
           "-smp", str(args.smp), "-accel", "tcg",
           "-display", "none", "-vga", "none", "-monitor", "none", *qemu_status.qemu_args(reset_log),
           "-serial", "none" if args.no_serial else f"file:{serial_log}",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-cdrom", args.iso, "-boot", "d"]
    if args.firmware == "uefi":
        for path in (OVMF_CODE, OVMF_VARS):
            if not os.path.exists(path):
                fail(f"{path} not found: run scripts/setup.sh to install OVMF")
        shutil.copyfile(OVMF_VARS, vars_copy)
        cmd += ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
                "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]
    if args.memory_file:
        # Large guests: back RAM with a sparse file so only touched pages count.
        cmd += ["-object", f"memory-backend-file,id=ram,size={args.memory},share=on,mem-path={args.memory_file}",
                "-machine", "memory-backend=ram"]
    cmd += args.extra
    return cmd


def sparse_memory_dir():
    """Where --sparse-memory puts the guest's RAM file. On a disk file
    system every page the guest touches first costs the host a block
    allocation: that made a 256 GiB boot about 3 s slower than the same
    boot with its file on tmpfs, time the kernel's own stage lines counted
    as theirs. So: $STAGEOS_SPARSE_DIR, else /dev/shm with room for the
    pages a 1 TiB boot touches (about 6 GiB), else the temporary directory."""
    chosen = os.environ.get("STAGEOS_SPARSE_DIR")
    if chosen:
        if not os.path.isdir(chosen):
            fail(f"STAGEOS_SPARSE_DIR={chosen} is not a directory")
        return chosen
    try:
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize >= 8 << 30 and os.access("/dev/shm", os.W_OK):
            return "/dev/shm"
    except OSError:
        pass
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iso", required=True)
    p.add_argument("--machine", default="pc", choices=["pc", "q35"])
    p.add_argument("--firmware", default="bios", choices=["bios", "uefi"])
    p.add_argument("--memory", default="128M")
    p.add_argument("--memory-file", help="back guest RAM with this (sparse) file")
    p.add_argument("--sparse-memory", action="store_true",
                   help="back guest RAM with a sparse file, removed afterwards, for guests larger than the "
                        "host's overcommit limit; the file goes in /dev/shm (tmpfs: a page the guest touches "
                        "costs the host a page of RAM, no disk block) when it has at least 8 GiB free, else "
                        "in the temporary directory; STAGEOS_SPARSE_DIR=DIR chooses the directory")
    p.add_argument("--cpu", default="qemu64")
    p.add_argument("--smp", type=int, default=1)
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--need-qemu", metavar="VERSION",
                   help="skip (exit 77) unless --qemu is at least this version, e.g. 8.1")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--expect-status", default="33",
                   help="QEMU exit status: 33 = kernel wrote 0x10 (all good), 35 = 0x11 (panic), "
                        "0 = the CPU reset (triple fault); several separated by commas mean any of them "
                        "(the lab grader accepts 33 or a later lab's stub panic, 35)")
    p.add_argument("--expect-last-line", default="KERNEL OK",
                   help="regular expression the last non-empty serial line must match in full")
    p.add_argument("--expect", action="append", default=[],
                   help="regular expression some serial line must match (repeatable)")
    p.add_argument("--reject", action="append", default=[],
                   help="regular expression no serial line may match (repeatable)")
    p.add_argument("--module-crc", action="append", default=[],
                   help="N=FILE: the kernel must print 'module N crc32=<crc of FILE>'")
    p.add_argument("--no-serial", action="store_true",
                   help="boot without a UART (checks only the exit status: the kernel must not hang)")
    p.add_argument("--keep-log", help="copy the serial log here")
    p.add_argument("--show-log", action="store_true", help="print the serial log even on success")
    p.add_argument("extra", nargs="*", help="extra QEMU arguments after --")
    args = p.parse_args()

    try:
        expected_statuses = [int(v) for v in args.expect_status.split(",")]
    except ValueError:
        fail(f"--expect-status {args.expect_status!r} is not a status or a comma-separated list of them")
    if args.need_qemu:
        skip_unless_qemu_at_least(args)
    if not os.path.exists(args.iso):
        fail(f"ISO {args.iso} does not exist: build first (cmake --build <dir>)")

    with tempfile.TemporaryDirectory(prefix="stageos-boot-") as tmp:
        serial_log = os.path.join(tmp, "serial.log")
        ram_dir = None
        if args.sparse_memory and not args.memory_file:
            ram_dir = tempfile.mkdtemp(prefix="stageos-ram-", dir=sparse_memory_dir())
            args.memory_file = os.path.join(ram_dir, "guest-ram")
        try:  # a guest RAM file in /dev/shm holds host RAM: never leave one behind
            reset_log = os.path.join(tmp, "qemu-reset.log")
            cmd = build_command(args, serial_log, os.path.join(tmp, "OVMF_VARS.fd"), reset_log)
            start = time.monotonic()
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            try:
                qemu_output, _ = proc.communicate(timeout=args.timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                proc.kill()
                qemu_output, _ = proc.communicate()
                timed_out = True
            elapsed = time.monotonic() - start
            raw = open(serial_log, "rb").read() if os.path.exists(serial_log) else b""
            triple_fault = qemu_status.triple_fault_logged(reset_log)
            if args.keep_log:
                shutil.copyfile(serial_log, args.keep_log) if os.path.exists(serial_log) else None
        finally:
            if ram_dir:
                shutil.rmtree(ram_dir, ignore_errors=True)

    lines = clean_lines(raw)
    text = "\n".join(lines).strip()
    print("qemu: " + " ".join(cmd))
    print(f"qemu: finished in {elapsed:.2f} s with status {proc.returncode if not timed_out else 'none (killed)'}")
    if qemu_output.strip():
        print("qemu said: " + qemu_output.decode("utf-8", errors="replace").strip())

    if timed_out:
        if not raw.strip():
            fail(f"QEMU did not exit within {args.timeout:.0f} s and the kernel printed nothing on COM1", text)
        fail(f"QEMU did not exit within {args.timeout:.0f} s", text)
    if proc.returncode not in expected_statuses:
        fail(f"{qemu_status.describe(proc.returncode)}; expected QEMU exit status {args.expect_status}", text)
    if proc.returncode == qemu_status.RESET and not triple_fault:
        fail("QEMU exit status 0 as expected, but QEMU's reset log (-d cpu_reset) records no triple fault: "
             "something else reset the machine or ended QEMU", text)
    if args.no_serial:
        print("PASS (no UART: only the exit status was checked)")
        return
    non_empty = [line for line in lines if line.strip()]
    if not non_empty:
        fail("the kernel printed nothing on COM1", text)
    if args.expect_last_line and not re.fullmatch(args.expect_last_line, non_empty[-1].strip()):
        fail(f"last serial line is {non_empty[-1]!r}, expected {args.expect_last_line!r}", text)
    for pattern in args.expect:
        if not any(re.search(pattern, line) for line in lines):
            fail(f"no serial line matches {pattern!r}", text)
    for pattern in args.reject:
        bad = [line for line in lines if re.search(pattern, line)]
        if bad:
            fail(f"serial line {bad[0]!r} matches the rejected pattern {pattern!r}", text)
    for spec in args.module_crc:
        index, path = spec.split("=", 1)
        import zlib
        crc = zlib.crc32(open(path, "rb").read()) & 0xFFFFFFFF
        want = f"module {index} crc32={crc:08x}"
        if not any(want in line for line in lines):
            fail(f"no serial line says {want!r} (the host computed that CRC of {path})", text)
    if args.show_log:
        print(text)
    print("PASS")


if __name__ == "__main__":
    main()
