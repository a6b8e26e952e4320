#!/usr/bin/env python3
"""Host tests of scripts/memviz.py (ctest label `viz`): the picture must
show exactly what the dump says.

Each test runs memviz.py as a program on a fixture of this directory (or
on a variant written to a temporary directory), then checks its --json
model and the SVG rectangles of the HTML page against the dump lines, read
here with a few regular expressions of its own, not with scripts/mmdump.py.

  python3 tests/viz/test_memviz.py [-v]
"""
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MEMVIZ = os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts", "memviz.py")
PC_SERIAL = os.path.join(HERE, "pc-128m-serial.log")  # kernel dump inside a real serial log
PC_EARLY = os.path.join(HERE, "pc-128m-before-switch.dump")  # mm-dump at the CR3 switch
Q35 = os.path.join(HERE, "q35-4g.dump")  # mm-dump at the end of a 4 GiB q35 boot

ADDRESS_KINDS = ("firmware", "area", "memory", "reserved", "owner", "free", "map")
RANGE_LINE = re.compile(r"^dump (\w+) (0x[0-9a-f]+) (0x[0-9a-f]+)(.*)$")


def read_text(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def last_dump_lines(path):
    """The dump lines between the last `dump begin` and the `dump end` after it."""
    lines = [line.rstrip("\r\n") for line in read_text(path).split("\n")]
    begin = max(i for i, line in enumerate(lines) if line.startswith("dump begin"))
    end = next(i for i in range(begin, len(lines)) if lines[i].startswith("dump end"))
    return [line for line in lines[begin:end + 1] if line.startswith("dump ")]


def expected_ranges(path):
    """{kind: sorted [(start, end)]} of the last dump, for the kinds drawn as ranges."""
    found = {kind: [] for kind in ADDRESS_KINDS}
    for line in last_dump_lines(path):
        match = RANGE_LINE.match(line)
        if match and match.group(1) in found:
            found[match.group(1)].append((int(match.group(2), 16), int(match.group(3), 16)))
    return {kind: sorted(ranges) for kind, ranges in found.items()}


class RectCollector(html.parser.HTMLParser):
    """Every <rect> of the page with its attributes and its <title> text."""

    def __init__(self):
        super().__init__()
        self.rects = []
        self.in_title = None

    def handle_starttag(self, tag, attrs):
        if tag == "rect":
            self.rects.append(dict(attrs, title=""))
        elif tag == "title" and self.rects:
            self.in_title = self.rects[-1]

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = None

    def handle_data(self, data):
        if self.in_title is not None:
            self.in_title["title"] += data


def run_memviz(*args):
    return subprocess.run([sys.executable, MEMVIZ, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=60)


class Drawing:
    """memviz.py run on one input: its page's rectangles and its JSON model."""

    def __init__(self, path):
        with tempfile.TemporaryDirectory(prefix="memviz-test-") as tmp:
            out, model = os.path.join(tmp, "out.html"), os.path.join(tmp, "out.json")
            done = run_memviz(path, "-o", out, "--json", model)
            if done.returncode != 0:
                raise AssertionError(f"memviz.py failed on {path} ({done.returncode}): {done.stderr}")
            self.page = read_text(out)
            self.model = json.loads(read_text(model))
        collector = RectCollector()
        collector.feed(self.page)
        self.rects = collector.rects

    def drawn(self, kind):
        """Sorted [(start, end)] of the rectangles of one kind, from their data attributes."""
        return sorted((int(r["data-start"], 16), int(r["data-end"], 16)) for r in self.rects
                      if r.get("data-kind") == kind)


class DrawingMatchesDump(unittest.TestCase):
    def check_fixture(self, path):
        drawing, expected = Drawing(path), expected_ranges(path)
        for kind in ADDRESS_KINDS:
            with self.subTest(kind=kind):
                self.assertEqual(drawing.drawn(kind), expected[kind], f"{kind} rectangles differ from the dump")
                model = sorted((r["start"], r["end"]) for r in drawing.model["ranges"][kind]["ranges"])
                self.assertEqual(model, expected[kind], f"{kind} ranges of --json differ from the dump")
                self.assertEqual(drawing.model["ranges"][kind]["count"], len(expected[kind]))
                self.assertEqual(drawing.model["drawn"].get(kind, 0), len(expected[kind]))
        for rect in drawing.rects:
            self.assertIn("data-kind", rect, f"a rectangle without data-kind: {rect}")
            self.assertTrue(rect["title"].strip(), f"a rectangle without a hover title: {rect}")
            if rect["data-kind"] != "order":
                self.assertIn("data-start", rect, rect)
                self.assertIn("data-end", rect, rect)
                start, end = int(rect["data-start"], 16), int(rect["data-end"], 16)
                self.assertIn(f"[0x{start:x}, 0x{end:x})", rect["title"], "the title must give the exact range")
        return drawing

    def test_serial_log_of_a_128m_pc_boot(self):
        drawing = self.check_fixture(PC_SERIAL)
        self.assertEqual((drawing.model["dump"]["source"], drawing.model["dump"]["stage"]), ("kernel", "smp"))

    def test_gdb_dump_of_a_4g_q35_boot(self):
        self.check_fixture(Q35)

    def test_gdb_dump_before_the_cr3_switch(self):
        drawing = self.check_fixture(PC_EARLY)
        self.assertEqual(drawing.drawn("free"), [])
        self.assertNotIn("order", drawing.model["drawn"], "a histogram with no buddy yet")
        self.assertIn("No buddy allocator yet (stage bump)", drawing.page)

    def test_histogram_bars_are_the_order_lines(self):
        drawing = Drawing(Q35)
        orders = {}
        for line in last_dump_lines(Q35):
            match = re.match(r"^dump order (\d+) blocks=(\d+)$", line)
            if match:
                orders[int(match.group(1))] = int(match.group(2))
        bars = {int(r["data-order"]): int(r["data-blocks"]) for r in drawing.rects if r["data-kind"] == "order"}
        self.assertEqual(bars, orders)
        self.assertEqual(bars[10], 1018)

    def test_wx_runs_are_red_and_only_they(self):
        drawing = Drawing(PC_EARLY)
        runs = [r for r in drawing.rects if r["data-kind"] == "map"]
        self.assertEqual(len(runs), 3)
        for run in runs:
            self.assertEqual(run["data-rights"] == "rwx", run["fill"] == "#e53935", run)
        self.assertEqual(len(drawing.model["wx_runs"]), 3)
        after = [r for r in Drawing(Q35).rects if r["data-kind"] == "map"]
        self.assertFalse([r for r in after if r["fill"] == "#e53935"], "a red run after the W^X tables")

    def test_holes_are_squeezed_and_ram_is_to_scale(self):
        model = Drawing(Q35).model
        axis = model["physical_axis"]
        pci_hole = [s for s in axis if s["start"] <= 0x90000000 < s["end"]]
        self.assertEqual(len(pci_hole), 1)
        self.assertTrue(pci_hole[0]["squeezed"] and pci_hole[0]["kind"] == "hole", pci_hole)
        self.assertLessEqual(pci_hole[0]["width"], 70)
        low = next(s for s in axis if s["start"] == 0x100000 and s["kind"] == "covered")
        high = next(s for s in axis if s["start"] == 0x100000000)
        # Both stretches of RAM on one scale: 2047.9 MiB against 2 GiB.
        ratio = (low["width"] / high["width"]) / ((low["end"] - low["start"]) / (high["end"] - high["start"]))
        self.assertAlmostEqual(ratio, 1.0, places=3)
        last = axis[-1]
        self.assertEqual((last["start"], last["end"], last["kind"]), (0xFD00000000, 0x10000000000, "other"))
        self.assertLess(sum(s["width"] for s in axis), 1200, "the holes take more room than the RAM")

    def test_page_is_self_contained(self):
        page = Drawing(Q35).page
        for forbidden in ("<script", "<link", "@import", "<img", "<iframe"):
            self.assertNotIn(forbidden, page.lower())
        urls = set(re.findall(r"https?://[^\s\"')]+", page))
        self.assertEqual(urls, {"http://www.w3.org/2000/svg"}, "only the SVG namespace may look like a URL")
        self.assertEqual(set(re.findall(r"url\(([^)]*)\)", page)), {"#hatch"})


class Inputs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="memviz-input-")
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", newline="") as f:
            f.write(text)
        return path

    def fails(self, path, *patterns):
        done = run_memviz(path, "-o", os.path.join(self.tmp.name, "out.html"))
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        for pattern in patterns:
            self.assertRegex(done.stderr, pattern)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "out.html")), "a page written for bad input")

    def test_help_exits_0_with_usage(self):
        done = run_memviz("--help")
        self.assertEqual(done.returncode, 0)
        self.assertIn("usage: memviz.py", done.stdout)
        self.assertIn("--json", done.stdout)

    def test_file_without_a_dump_is_an_error_naming_it(self):
        path = self.write("boot.log", "StageOS booting\r\nKERNEL OK\r\n")
        self.fails(path, re.escape(path), "no complete dump")

    def test_missing_file_is_an_error_naming_it(self):
        self.fails(os.path.join(self.tmp.name, "nothing.log"), "cannot read .*nothing.log")

    def test_malformed_line_is_an_error_with_its_line_number(self):
        lines = read_text(PC_EARLY).splitlines()
        cases = {
            "dump memory 0x100000 7fe0000": "not a hexadecimal number",
            "dump free 0x200000 0x400000 order=8": "order-8 block is 0x100000 bytes",
            "dump map 0x0 0x1000 pa=0x0 page=8K rights=rw- global=1": "page '8K'",
            "dump firmware 0x0 0x1000 type=1": "no name=",
            "dump reserved 0x2000 0x1000": "empty or reversed range",
            "dump owner 0x0 0x1000 name=nobody": "not a known owner",
            "dump area 0x0 0x1000 junk": "'junk' is not key=value",
        }
        for bad, why in cases.items():
            with self.subTest(line=bad):
                text = "\n".join(lines[:5] + [bad] + lines[5:-1] + [f"dump end lines={len(lines) + 1}"]) + "\n"
                self.fails(self.write("bad.dump", text), rf"bad\.dump:6: malformed dump line \(.*{why}")

    def test_wrong_line_count_is_an_error(self):
        text = read_text(PC_EARLY).replace("dump end lines=23", "dump end lines=22")
        self.fails(self.write("count.dump", text), r"count\.dump:23: .*lines=22, but the dump from line 1 has 23")

    def test_dump_line_outside_a_dump_is_an_error(self):
        path = self.write("orphan.log", "boot\ndump area 0x0 0x1000\n")
        self.fails(path, r"orphan\.log:2: .*before any 'dump begin'")

    def test_unknown_kinds_and_keys_are_ignored(self):
        lines = read_text(PC_EARLY).splitlines()
        extra = ["dump tlb 0x0 shootdowns=3", "dump area 0x200000000 0x200001000 node=1"]
        text = "\n".join(lines[:-1] + extra + [f"dump end lines={len(lines) + 2}"]) + "\n"
        drawing = Drawing(self.write("newer.dump", text))
        self.assertIn((0x200000000, 0x200001000), drawing.drawn("area"))

    def test_the_last_complete_dump_is_drawn(self):
        early, late = read_text(PC_EARLY), "".join(line + "\n" for line in last_dump_lines(PC_SERIAL))
        cut_short = "".join(late.splitlines(keepends=True)[:10])  # e.g. a panic in the middle of a dump
        path = self.write("three.log", "boot\n" + early + "monitor\n" + late + "stageos> dump\n" + cut_short)
        drawing = Drawing(path)
        second_begin = 2 + early.count("\n") + 1
        self.assertEqual(drawing.model["dump"]["begin_line"], second_begin)
        self.assertEqual(drawing.model["dump"]["stage"], "smp")
        self.assertEqual(len(drawing.drawn("free")), 42)


if __name__ == "__main__":
    unittest.main()
