#!/usr/bin/env python3
"""Measure what the MM bring-up costs at boot, against RAM size and CPU model.

  scripts/bench-boot.py build/gcc
  scripts/bench-boot.py build/gcc --memory 128M 8G --cpu max --runs 3
  scripts/bench-boot.py build/gcc --iso test-selftest-no-poison --icount

Boots <build dir>/test-selftest.iso (command line "exit selftest", so page
poisoning is on), or the ISO named by --iso (test-selftest-no-poison: the
same with "no-poison"), once per memory size and CPU model through scripts/qemu_boot.py --show-log (the same
QEMU settings as the boot tests: TCG, headless, the serial port in a log,
isa-debug-exit), and reads from the serial log:

  - the direct map line of stage 4: RAM mapped, how many 1 GiB, 2 MiB and
    4 KiB pages, and the KiB of page tables they cost;
  - the buddy's metadata KiB (stage 5);
  - the buddy stress test's round size and its Mcycles (time stamp counter);

plus the QEMU wall time that qemu_boot.py reports. It prints one Markdown
table. With --runs N every configuration boots N times and the fastest wall
time is kept (the log figures are the same every time, apart from Mcycles,
so the table shows the run with the fastest wall time).

With --icount, QEMU runs with -icount shift=0: its virtual clock, and so the
guest's time stamp counter, advances by one nanosecond per guest instruction
(the kernel calibrates it at about 1000 MHz). The stress test's Mcycles are
then millions of guest instructions, a count that does not depend on the
load of the host (QEMU runs slower in this mode, on one host thread).

This is a benchmark, not a test: it checks nothing beyond "the boot passed"
and never compares a time with a limit. Wall times and Mcycles vary with
the load of the (shared) machine; the page and KiB figures do not.
"""
import argparse
import os
import re
import subprocess
import sys

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
QEMU_BOOT = os.path.join(SCRIPTS, "qemu_boot.py")

# The serial lines this script reads (see src/mm/mm_init.c and src/kernel/selftest.c).
DIRECT_MAP = re.compile(r"^paging: direct map of (\d+) MiB at 0x[0-9a-f]+: (\d+) x 1 GiB, (\d+) x 2 MiB, "
                        r"(\d+) x 4 KiB pages, (\d+) KiB of page tables")
BUDDY = re.compile(r"^buddy: took over \d+ free ranges: .* metadata (\d+) KiB at 0x[0-9a-f]+")
STRESS = re.compile(r"^selftest: buddy stress: \d+ rounds of (\d+) MiB, .* (\d+) Mcycles")
WALL = re.compile(r"^qemu: finished in ([0-9.]+) s with status")

COLUMNS = ["-m", "-cpu", "RAM mapped (MiB)", "1 GiB pages", "2 MiB pages", "4 KiB pages", "page tables (KiB)",
           "buddy metadata (KiB)", "stress round (MiB)", "stress Mcycles", "QEMU wall (s)"]


def boot_once(iso, machine, memory, cpu, timeout, icount):
    """Boot once; returns (figures dict, None) or (None, reason)."""
    cmd = [sys.executable, QEMU_BOOT, "--iso", iso, "--machine", machine, "--memory", memory, "--cpu", cpu,
           "--timeout", str(timeout), "--show-log"]
    if icount:
        cmd += ["--", "-icount", "shift=0"]
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace").stdout
    lines = out.splitlines()
    if not lines or lines[-1].strip() != "PASS":
        failure = next((line for line in lines if line.startswith("FAIL")), "no PASS from qemu_boot.py")
        return None, failure
    figures = {}
    for line in lines:
        if m := DIRECT_MAP.match(line):
            figures["mapped"], figures["1g"], figures["2m"], figures["4k"], figures["tables"] = m.groups()
        elif m := BUDDY.match(line):
            figures["metadata"] = m.group(1)
        elif m := STRESS.match(line):
            figures["round"], figures["mcycles"] = m.groups()
        elif m := WALL.match(line):
            figures["wall"] = float(m.group(1))
    missing = [key for key in ("mapped", "metadata", "mcycles", "wall") if key not in figures]
    if missing:
        return None, f"the serial log lacks the lines for {', '.join(missing)}"
    return figures, None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build_dir", help="a build directory holding test-selftest.iso (e.g. build/gcc)")
    p.add_argument("--iso", default="test-selftest",
                   help="the ISO to boot, without .iso: test-selftest (poisoning on) or test-selftest-no-poison")
    p.add_argument("--memory", nargs="+", default=["128M", "1G", "4G", "8G"], help="guest RAM sizes")
    p.add_argument("--cpu", nargs="+", default=["qemu64", "max"],
                   help="CPU models (qemu64 has no 1 GiB pages, max has)")
    p.add_argument("--machine", default="pc", choices=["pc", "q35"])
    p.add_argument("--icount", action="store_true",
                   help="run QEMU with -icount shift=0: Mcycles count guest instructions (millions)")
    p.add_argument("--runs", type=int, default=1, help="boots per configuration; the fastest is kept")
    p.add_argument("--timeout", type=float, default=180.0, help="seconds per boot")
    args = p.parse_args()

    iso = os.path.join(args.build_dir, args.iso + ".iso")
    if not os.path.exists(iso):
        sys.exit(f"bench-boot: {iso} does not exist: build first (cmake --build {args.build_dir})")

    mode = "TCG with -icount shift=0 (Mcycles = millions of guest instructions)" if args.icount else "TCG"
    print(f"StageOS boot cost: {iso}, machine {args.machine}, {mode}, best of {args.runs} run(s)\n")
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * 2 + "---:|" * (len(COLUMNS) - 2))
    failures = 0
    for cpu in args.cpu:
        for memory in args.memory:
            best, reason = None, None
            for _ in range(args.runs):
                figures, why = boot_once(iso, args.machine, memory, cpu, args.timeout, args.icount)
                if figures is None:
                    reason = why
                    break
                if best is None or figures["wall"] < best["wall"]:
                    best = figures
            if reason is not None:
                failures += 1
                print(f"| {memory} | {cpu} | boot failed: {reason} |" + " |" * (len(COLUMNS) - 3))
                continue
            row = [memory, cpu, best["mapped"], best["1g"], best["2m"], best["4k"], best["tables"],
                   best["metadata"], best.get("round", "?"), best["mcycles"], f"{best['wall']:.2f}"]
            print("| " + " | ".join(row) + " |", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
