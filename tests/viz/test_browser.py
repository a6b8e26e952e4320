#!/usr/bin/env python3
"""Browser test of scripts/memviz.py (ctest label `browser`): the page
renders in a real headless Chromium, without console errors, into a
screenshot that is not blank and shows the memblock-memory green.

Exits 77 (ctest's SKIP_RETURN_CODE) with a message when no chromium is
installed: `apt-get install --no-install-recommends chromium`, or
`scripts/setup.sh --browser`.

  python3 tests/viz/test_browser.py
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
MEMVIZ = os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts", "memviz.py")
FIXTURE = os.path.join(HERE, "pc-128m-serial.log")
SKIP = 77
MEMORY_GREEN = (0x4C, 0xAF, 0x50)  # MEMORY_COLOUR of memviz.py: a wide band on a 128 MiB boot
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0", "--window-size=1400,1000"]
CONSOLE_ERROR = re.compile(r"CONSOLE|Uncaught|JavaScript|SyntaxError|Failed to load resource", re.I)


def png_pixels(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG,
    with the five scanline filters of the PNG specification undone."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    offset, idat, header = 8, b"", None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunk = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        filter_type, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, up_left = previous[i], previous[i - bpp] if i >= bpp else 0
            if filter_type == 1:
                line[i] = (line[i] + left) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + up) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        previous = line
    return width, height, rows


def main():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("SKIP: no chromium on PATH (install it with `apt-get install --no-install-recommends chromium` "
              "or `scripts/setup.sh --browser`)")
        return SKIP
    with tempfile.TemporaryDirectory(prefix="memviz-browser-") as tmp:
        page, shot = os.path.join(tmp, "page.html"), os.path.join(tmp, "shot.png")
        done = subprocess.run([sys.executable, MEMVIZ, FIXTURE, "-o", page], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"FAIL: memviz.py exited {done.returncode}: {done.stderr}")
            return 1
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={os.path.join(tmp, 'profile')}",
                   f"--screenshot={shot}", f"file://{page}"]
        print(" ".join(command))
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            print("FAIL: chromium did not finish within 120 s")
            return 1
        errors = [line for line in (run.stdout + run.stderr).splitlines() if CONSOLE_ERROR.search(line)]
        if run.returncode != 0 or not os.path.exists(shot):
            print(f"FAIL: chromium exited {run.returncode} without a screenshot:\n{run.stderr}")
            return 1
        if errors:
            print("FAIL: chromium logged console or JavaScript errors:\n" + "\n".join(errors))
            return 1
        data = open(shot, "rb").read()
    width, height, rows = png_pixels(data)
    colours = {pixel for row in rows for pixel in row}
    green = sum(row.count(MEMORY_GREEN) for row in rows)
    print(f"screenshot: {len(data)} bytes, {width}x{height}, {len(colours)} colours, {green} memblock-memory pixels")
    if (width, height) != (1400, 1000) or len(data) < 10000:
        print("FAIL: the screenshot is not 1400x1000 or is suspiciously small")
        return 1
    if len(colours) < 8:
        print(f"FAIL: the screenshot is (nearly) blank: {len(colours)} colours")
        return 1
    if green < 10000:
        print("FAIL: the memblock memory band (a wide green bar) is not in the screenshot")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
