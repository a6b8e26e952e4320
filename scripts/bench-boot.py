#!/usr/bin/env python3
"""Measure what the MM bring-up costs at boot, against RAM size and CPU model.

  scripts/bench-boot.py build/gcc
  scripts/bench-boot.py build/gcc --memory 128M 8G --cpu max --runs 3
  scripts/bench-boot.py build/gcc --iso test-selftest-no-poison --icount
  /usr/bin/python3 scripts/bench-boot.py build/gcc --stages --runs 3 --png docs/pictures/boot-stages.png

The first three print the table described below. --stages measures each
stage's kernel time instead, from 128 MiB to 1 TiB of RAM (see "--stages"
at the end).

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

--stages boots <build dir>/test-boot.iso (command line "exit": the stages
and nothing else, no self-test, poisoning off) on a q35 machine with
-cpu max,phys-bits=42 (TCG's default of 40 physical address bits cannot
hold 1 TiB of RAM above the PCI hole), its RAM backed by a sparse file
(qemu_boot.py --sparse-memory) at every size, so that the points differ
only in RAM size; by default 128M 1G 4G 16G 64G 256G 512G 1T. Check the
free disk space first (df -h /tmp): the file takes as much as the guest
touches, about 6 GiB at 1 TiB (the buddy's metadata). From each serial log
it reads every "; stage N took T us" (the end of each stage's last line,
timed with the kernel's calibrated time stamp counter), the direct map's
page-table KiB (stage 4) and the buddy's metadata KiB (stage 5). It prints
a Markdown table, writes the figures as CSV (--csv) and draws them with
matplotlib (--png): kernel time per stage, and metadata and page-table
bytes, against RAM, on logarithmic axes. With --runs N it boots each size
N times and keeps each stage's fastest time, and the fastest wall time:
the host only ever adds time to a stage (it runs other work in between),
so the minimum is the least disturbed figure; "stages 1-6" is then the sum
of those minima.

This is a benchmark, not a test: it checks nothing beyond "the boot passed"
and never compares a time with a limit. Wall times, Mcycles and stage times
vary with the load of the (shared) machine; the page and KiB figures do not.
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import time

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
QEMU_BOOT = os.path.join(SCRIPTS, "qemu_boot.py")

# The serial lines this script reads (see src/mm/stages.c and src/kernel/selftest.c).
DIRECT_MAP = re.compile(r"^paging: direct map of (\d+) MiB at 0x[0-9a-f]+: (\d+) x 1 GiB, (\d+) x 2 MiB, "
                        r"(\d+) x 4 KiB pages, (\d+) KiB of page tables")
BUDDY = re.compile(r"^buddy: took over \d+ free ranges: .* metadata (\d+) KiB at 0x[0-9a-f]+")
STRESS = re.compile(r"^selftest: buddy stress: \d+ rounds of (\d+) MiB, .* (\d+) Mcycles")
WALL = re.compile(r"^qemu: finished in ([0-9.]+) s with status")
STAGE_TIME = re.compile(r"; stage ([1-6]) took (\d+) us$")
STAGES = range(1, 7)
STAGE_NAMES = {1: "phys_memory_area", 2: "memblock", 3: "bump", 4: "page tables", 5: "buddy", 6: "SMP"}
STAGES_MEMORY = ["128M", "1G", "4G", "16G", "64G", "256G", "512G", "1T"]
STAGES_CPU = "max,phys-bits=42"

COLUMNS = ["-m", "-cpu", "RAM mapped (MiB)", "1 GiB pages", "2 MiB pages", "4 KiB pages", "page tables (KiB)",
           "buddy metadata (KiB)", "stress round (MiB)", "stress Mcycles", "QEMU wall (s)"]


def run_boot(iso, machine, memory, cpu, timeout, options):
    """Boot once through qemu_boot.py with its options; returns (the lines it
    printed, None) if the boot passed, else (None, the reason)."""
    cmd = [sys.executable, QEMU_BOOT, "--iso", iso, "--machine", machine, "--memory", memory, "--cpu", cpu,
           "--timeout", str(timeout), "--show-log", *options]
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace").stdout
    lines = out.splitlines()
    if not lines or lines[-1].strip() != "PASS":
        return None, next((line for line in lines if line.startswith("FAIL")), "no PASS from qemu_boot.py")
    return lines, None


def boot_once(iso, machine, memory, cpu, timeout, icount):
    """Boot once; returns (figures dict, None) or (None, reason)."""
    lines, failure = run_boot(iso, machine, memory, cpu, timeout, ["--", "-icount", "shift=0"] if icount else [])
    if lines is None:
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


def memory_bytes(size):
    """QEMU's -m size ("128M", "4G", "1T") in bytes."""
    m = re.fullmatch(r"(\d+)([MGT])", size)
    if not m:
        sys.exit(f"bench-boot: RAM size {size!r} is not a number followed by M, G or T")
    return int(m.group(1)) << {"M": 20, "G": 30, "T": 40}[m.group(2)]


def human_bytes(n):
    """4096 -> "4 KiB", 3 << 30 -> "3 GiB": the largest unit that leaves a whole number."""
    for shift, unit in ((40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n:g} B"


def stage_figures(lines):
    """From one boot's output: every stage's microseconds, the direct map's
    page-table bytes, the buddy's metadata bytes and QEMU's wall time.
    Returns (figures, None), or (None, what the log lacks)."""
    figures = {"stage_us": {}}
    for line in lines:
        if m := STAGE_TIME.search(line):
            figures["stage_us"][int(m.group(1))] = int(m.group(2))
        if m := DIRECT_MAP.match(line):
            figures["table_bytes"] = int(m.group(5)) << 10
        elif m := BUDDY.match(line):
            figures["metadata_bytes"] = int(m.group(1)) << 10
        elif m := WALL.match(line):
            figures["wall"] = float(m.group(1))
    missing = [f"stage {n}'s time" for n in STAGES if n not in figures["stage_us"]]
    missing += [name for key, name in (("table_bytes", "the direct map line"), ("metadata_bytes", "the buddy line"),
                                       ("wall", "qemu_boot.py's wall time")) if key not in figures]
    if missing:
        return None, f"the output lacks {', '.join(missing)}"
    return figures, None


def fastest(runs):
    """Several boots' figures of one size folded into one: each stage's
    fastest time, the fastest wall time, and the sum of those stage times.
    The byte counts are the same in every boot."""
    best = dict(runs[0], stage_us={n: min(f["stage_us"][n] for f in runs) for n in STAGES},
                wall=min(f["wall"] for f in runs))
    best["kernel_us"] = sum(best["stage_us"].values())
    return best


CSV_COLUMNS = (["memory", "ram_bytes"] + [f"stage{n}_us" for n in STAGES] +
               ["stages_total_us", "page_table_bytes", "buddy_metadata_bytes", "qemu_wall_s"])


def csv_row(memory, f):
    return ([memory, memory_bytes(memory)] + [f["stage_us"][n] for n in STAGES] +
            [f["kernel_us"], f["table_bytes"], f["metadata_bytes"], f"{f['wall']:.2f}"])


def import_pyplot(png):
    """matplotlib's pyplot, drawing into files only; before any boot, so
    that a missing matplotlib does not cost a sweep."""
    try:
        import matplotlib
    except ImportError:
        sys.exit(f"bench-boot: drawing {png} needs matplotlib, which {sys.executable} cannot import: "
                 "install python3-matplotlib (scripts/setup.sh) and run this script with Debian's "
                 "/usr/bin/python3")
    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot
    return matplotlib.pyplot


def draw(plt, rows, png, title):
    """Two panels against RAM: each stage's kernel time, and the buddy's
    metadata and the direct map's page tables, all on log scales."""
    from matplotlib.ticker import FuncFormatter, NullLocator

    ram = [memory_bytes(memory) for memory, _ in rows]
    fig, (times, sizes) = plt.subplots(1, 2, figsize=(12, 5))
    for n in STAGES:
        # A log axis has no 0: a stage under 1 us is drawn at 1 us.
        ms = [max(f["stage_us"][n], 1) / 1000 for _, f in rows]
        times.plot(ram, ms, marker="o", label=f"stage {n}: {STAGE_NAMES[n]}")
    times.plot(ram, [f["kernel_us"] / 1000 for _, f in rows], color="black", linestyle="--", label="stages 1-6")
    times.set_ylabel("kernel time per stage (ms)")
    times.set_yscale("log")
    times.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    times.set_title("time of each stage (TSC)")
    sizes.plot(ram, [f["metadata_bytes"] for _, f in rows], marker="o", label="buddy metadata (stage 5)")
    sizes.plot(ram, [f["table_bytes"] for _, f in rows], marker="s", label="direct map page tables (stage 4)")
    sizes.plot(ram, ram, color="grey", linestyle=":", label="the RAM itself")
    sizes.set_ylabel("bytes")
    sizes.set_yscale("log", base=2)
    sizes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: human_bytes(int(v))))
    sizes.set_title("memory the MM keeps for itself")
    for ax in (times, sizes):
        ax.set_xscale("log", base=2)
        ax.set_xticks(ram, [memory for memory, _ in rows], rotation=45)
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("guest RAM (-m)")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(png, dpi=96)


def stages_mode(args, iso):
    cpu = args.cpu[0]
    if len(args.cpu) > 1:
        sys.exit("bench-boot: --stages draws one CPU model: give one --cpu")
    for memory in args.memory:
        memory_bytes(memory)  # a bad size stops here, not after the boots before it
    plt = import_pyplot(args.png)
    print(f"StageOS stage times: {iso}, machine {args.machine}, -cpu {cpu}, TCG, RAM in a sparse file, "
          f"each stage's fastest of {args.runs} run(s)\n")
    print("| -m | " + " | ".join(f"stage {n} (us)" for n in STAGES) +
          " | stages 1-6 (ms) | page tables | buddy metadata | QEMU wall (s) |")
    print("|---|" + "---:|" * (len(STAGES) + 4))
    rows, failures = [], 0
    for memory in args.memory:
        runs, reason = [], None
        for _ in range(args.runs):
            lines, reason = run_boot(iso, args.machine, memory, cpu, args.timeout, ["--sparse-memory"])
            figures, reason = stage_figures(lines) if lines else (None, reason)
            if figures is None:
                break
            runs.append(figures)
        if reason is not None:
            failures += 1
            print(f"| {memory} | boot failed: {reason} |" + " |" * (len(STAGES) + 3), flush=True)
            continue
        best = fastest(runs)
        rows.append((memory, best))
        print(f"| {memory} | " + " | ".join(str(best["stage_us"][n]) for n in STAGES) +
              f" | {best['kernel_us'] / 1000:.1f} | {human_bytes(best['table_bytes'])} | "
              f"{human_bytes(best['metadata_bytes'])} | {best['wall']:.2f} |", flush=True)
    if not rows:
        sys.exit("bench-boot: no boot passed: no CSV, no picture")
    with open(args.csv, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_row(memory, f) for memory, f in rows)
    print(f"\nwrote {args.csv}")
    draw(plt, rows, args.png, f"StageOS boot stages against RAM: QEMU TCG, {args.machine}, -cpu {cpu}, "
                         f"{time.strftime('%Y-%m-%d')}")
    print(f"wrote {args.png}")
    return failures


def table_mode(args, iso):
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
    return failures


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build_dir", help="a build directory holding the ISOs (e.g. build/gcc)")
    p.add_argument("--stages", action="store_true",
                   help="each stage's time and the MM's own bytes against RAM, as a table, CSV and PNG")
    p.add_argument("--iso", help="the ISO to boot, without .iso: test-selftest (poisoning on, the default) or "
                                 "test-selftest-no-poison; with --stages, test-boot")
    p.add_argument("--memory", nargs="+", help="guest RAM sizes (default 128M 1G 4G 8G; with --stages "
                                               + " ".join(STAGES_MEMORY) + ")")
    p.add_argument("--cpu", nargs="+", help="CPU models (default qemu64, which has no 1 GiB pages, and max, "
                                            f"which has; with --stages one model, {STAGES_CPU})")
    p.add_argument("--machine", choices=["pc", "q35"], help="pc (the default) or q35 (the default of --stages)")
    p.add_argument("--icount", action="store_true",
                   help="run QEMU with -icount shift=0: Mcycles count guest instructions (millions)")
    p.add_argument("--runs", type=int, default=1, help="boots per configuration; the fastest is kept")
    p.add_argument("--timeout", type=float, help="seconds per boot (default 180; with --stages 1200)")
    p.add_argument("--csv", help="--stages: the CSV file to write (default <build dir>/boot-stages.csv)")
    p.add_argument("--png", help="--stages: the picture to draw (default <build dir>/boot-stages.png)")
    args = p.parse_args()
    if args.stages and args.icount:
        sys.exit("bench-boot: --icount slows the guest clock down: the stage times would not be times")
    if not args.stages and (args.csv or args.png):
        sys.exit("bench-boot: --csv and --png go with --stages")
    args.iso = args.iso or ("test-boot" if args.stages else "test-selftest")
    args.memory = args.memory or (STAGES_MEMORY if args.stages else ["128M", "1G", "4G", "8G"])
    args.cpu = args.cpu or ([STAGES_CPU] if args.stages else ["qemu64", "max"])
    args.machine = args.machine or ("q35" if args.stages else "pc")
    args.timeout = args.timeout or (1200.0 if args.stages else 180.0)
    args.csv = args.csv or os.path.join(args.build_dir, "boot-stages.csv")
    args.png = args.png or os.path.join(args.build_dir, "boot-stages.png")

    iso = os.path.join(args.build_dir, args.iso + ".iso")
    if not os.path.exists(iso):
        sys.exit(f"bench-boot: {iso} does not exist: build first (cmake --build {args.build_dir})")
    failures = stages_mode(args, iso) if args.stages else table_mode(args, iso)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
