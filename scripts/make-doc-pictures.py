#!/usr/bin/env python3
"""make-doc-pictures.py [BUILD_DIR]: the course text's pictures of the
memory state, made from real boots, in docs/pictures/.

Boots test-debug.iso (`exit debug`: the kernel prints a dump just before
KERNEL OK) on three machines, keeps each serial log, and draws it with
scripts/memviz.py:

  pc-128m   pc, 128 MiB, qemu64 (no 1 GiB pages)
  pc-4g     pc, 4 GiB, max: RAM below 3 GiB and above 4 GiB, the PCI hole between
  q35-4g    q35, 4 GiB, max, two CPUs: RAM below 2 GiB and above 4 GiB

For each it writes docs/pictures/NAME.log (the serial log with the dump),
NAME.html (the page, open it in a browser) and, when Chromium is installed
(scripts/setup.sh --browser), NAME.png, a screenshot the chapters show. BUILD_DIR defaults to build/gcc
and must hold test-debug.iso (cmake --build --preset gcc).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "pictures")
MACHINES = {
    "pc-128m": ("pc with 128 MiB", ["--machine", "pc", "--memory", "128M", "--cpu", "qemu64"]),
    "pc-4g": ("pc with 4 GiB", ["--machine", "pc", "--memory", "4G", "--cpu", "max"]),
    "q35-4g": ("q35 with 4 GiB, two CPUs", ["--machine", "q35", "--memory", "4G", "--cpu", "max", "--smp", "2"]),
}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--window-size=1400,1300"]


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"make-doc-pictures: {' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")


def main():
    os.chdir(ROOT)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build_dir", nargs="?", default=os.path.join(ROOT, "build", "gcc"))
    args = p.parse_args()
    iso = os.path.join(os.path.abspath(args.build_dir), "test-debug.iso")
    if not os.path.exists(iso):
        sys.exit(f"make-doc-pictures: {iso} does not exist: build first (cmake --build --preset gcc)")
    chromium = shutil.which("chromium")
    if not chromium:
        print("make-doc-pictures: no chromium: writing the HTML pages only (scripts/setup.sh --browser "
              "installs it)")
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stageos-pictures-") as tmp:
        for name, (title, qemu_args) in MACHINES.items():
            log = os.path.join("docs", "pictures", f"{name}.log")  # relative: the page names it
            run([sys.executable, os.path.join(ROOT, "scripts", "qemu_boot.py"), "--iso", iso, "--keep-log",
                 log, "--timeout", "180"] + qemu_args)
            page = os.path.join(OUT, f"{name}.html")
            run([sys.executable, os.path.join(ROOT, "scripts", "memviz.py"), log, "-o", page, "--title",
                 f"StageOS memory: {title}, after a boot with debug"])
            line = f"{name}: {os.path.relpath(page, ROOT)} ({os.path.getsize(page)} bytes)"
            if chromium:
                png = os.path.join(OUT, f"{name}.png")
                run([chromium] + CHROMIUM_FLAGS + [f"--user-data-dir={os.path.join(tmp, 'chromium')}",
                                                   f"--screenshot={png}", "file://" + page])
                line += f", {os.path.relpath(png, ROOT)} ({os.path.getsize(png)} bytes)"
            print(line)


if __name__ == "__main__":
    main()
