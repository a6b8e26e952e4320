#!/usr/bin/env python3
"""memviz.py - draws the memory state of a StageOS dump as one HTML page.

Usage:
  scripts/memviz.py LOG -o OUT.html [--json OUT.json] [--title TEXT]

LOG is a serial log (of a boot with the `debug` word, or of a monitor
session where `dump` was typed) or a file written by GDB's `mm-dump FILE`;
the last complete dump in it is drawn (docs/14-monitor.md, section 14.1).

The page is self-contained (inline SVG and CSS, no script, nothing fetched
from the network) and shows:
  - the physical address space as one band per stage: the firmware's map,
    phys_memory_area, memblock memory, memblock reserved, who owns the
    reserved ranges, and the buddy's free blocks coloured by order. Stretches
    without RAM are squeezed to a fixed width, marked with a break symbol
    and labelled with their size, so a 3 GiB hole does not dwarf the RAM;
  - a histogram of the buddy's free blocks per order;
  - the kernel's virtual mappings (low identity remap, direct map, kernel
    image): rights, page sizes, W+X runs in red.
Hovering any drawn region shows its exact addresses and size.

--json writes what was read and drawn (ranges, counts, the axis) for tests.
Exit status: 0 on success, 1 for a missing or malformed dump (the message
names the file and the line), 2 for bad arguments.
"""
import argparse
import html
import json
import os
import sys
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mmdump import MAX_ORDER, PAGE_SIZE, PAGE_SIZES, DumpError, read_dump_file  # noqa: E402

PHYS_OFFSET = 0xFFFF800000000000  # the direct map (src/mm/mm_types.h)
DIRECT_MAP_END = 0xFFFFC00000000000  # 64 TiB of it at most
KERNEL_VIRT_BASE = 0xFFFFFFFF80000000
LOWER_HALF_END = 1 << 47

PLOT_WIDTH = 1000  # pixels for the address axis
LABEL_WIDTH = 180  # the band names on the left
GAP_WIDTH = 70  # a squeezed hole: no RAM (or, in the virtual view, unmapped)
OTHER_WIDTH = 34  # a squeezed stretch of firmware entries that are not RAM
MIN_GAP_WIDTH = 6
MIN_SEGMENT_WIDTH = 4
MIN_RECT_WIDTH = 1.5  # so that a 4 KiB range in 4 GiB still shows and can be hovered
BAND_HEIGHT = 26
BAND_GAP = 8

FIRMWARE_COLOURS = {
    "available": "#7cc47c",
    "reserved": "#9e9e9e",
    "acpi-reclaimable": "#e8c547",
    "acpi-nvs": "#e08a3c",
    "bad-ram": "#8b1a1a",
    "unknown": "#a57cc4",
}
OWNER_COLOURS = {
    "first-mib": "#b0bec5",
    "kernel-image": "#5c6bc0",
    "boot-information": "#26a69a",
    "early-page-tables": "#8d6e63",
    "kernel-page-tables": "#ab47bc",
    "buddy-metadata": "#ef6c00",
    "module": "#66bb6a",
}
RIGHTS_COLOURS = {"r--": "#90a4ae", "rw-": "#42a5f5", "r-x": "#66bb6a", "rwx": "#e53935"}
PAGE_COLOURS = {"4K": "#d7ccc8", "2M": "#a1887f", "1G": "#5d4037"}
AREA_COLOUR, MEMORY_COLOUR, RESERVED_COLOUR = "#81c784", "#4caf50", "#546e7a"


def order_colour(order):
    """Light yellow (order 0) to dark blue (order 10)."""
    f = order / MAX_ORDER
    low, high = (255, 236, 140), (21, 67, 140)
    r, g, b = (round(a + (z - a) * f) for a, z in zip(low, high))
    return f"#{r:02x}{g:02x}{b:02x}"


def size_text(size_bytes):
    """1 KiB, 2 MiB, 3.9 GiB...: exact when the unit divides, else one decimal."""
    for unit, name in ((1 << 60, "EiB"), (1 << 50, "PiB"), (1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"),
                       (1 << 10, "KiB")):
        if size_bytes >= unit:
            if size_bytes % unit == 0:
                return f"{size_bytes // unit} {name}"
            return f"{size_bytes / unit:.1f} {name}"
    return f"{size_bytes} bytes"


def union(ranges):
    """Sorted, merged [(start, end)] of overlapping or touching ranges."""
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# --------------------------------------------------------------------------
# The axis: address -> x, with the stretches between covered ranges squeezed


@dataclass
class Segment:
    start: int
    end: int
    kind: str  # "covered" (RAM, or mapped), "other" (only non-RAM ranges), "hole" (nothing)
    squeezed: bool = False  # drawn at a fixed width, not to scale
    x: float = 0.0
    width: float = 0.0


def inside(ranges, address):
    return any(start <= address < end for start, end in ranges)


class Axis:
    """A piecewise-linear axis over [extent_start, extent_end). Covered
    stretches share the plot width: by size (proportional=True) or equally
    (each mapped cluster at its own scale). A stretch holding only other
    ranges (firmware entries that are not RAM) takes at most OTHER_WIDTH, a
    hole at most GAP_WIDTH: less when its true width at the covered scale is
    smaller, in which case it is drawn to scale."""

    def __init__(self, covered, other, extent_start, extent_end, proportional):
        points = sorted({extent_start, extent_end} | {p for r in covered + other for p in r
                                                      if extent_start <= p <= extent_end})
        self.segments = []
        for start, end in zip(points, points[1:]):
            kind = "covered" if inside(covered, start) else "other" if inside(other, start) else "hole"
            if self.segments and self.segments[-1].kind == kind:
                self.segments[-1].end = end
            else:
                self.segments.append(Segment(start, end, kind))
        spans = [s for s in self.segments if s.kind == "covered"]
        fixed = {"other": OTHER_WIDTH, "hole": GAP_WIDTH}
        room = max(PLOT_WIDTH - sum(fixed.get(s.kind, 0) for s in self.segments), PLOT_WIDTH / 2)
        covered_bytes = sum(s.end - s.start for s in spans)
        scale = room / covered_bytes if proportional and covered_bytes else None
        for s in self.segments:
            if s.kind == "covered":
                s.width = max(MIN_SEGMENT_WIDTH, (s.end - s.start) * scale if scale else room / len(spans))
                continue
            true_width = (s.end - s.start) * scale if scale else None
            if true_width is not None and true_width <= fixed[s.kind]:
                s.width = max(MIN_GAP_WIDTH, true_width)
            else:
                s.width, s.squeezed = fixed[s.kind], True
        x = 0.0
        for s in self.segments:
            s.x = x
            x += s.width
        self.width = x

    def x(self, address):
        for s in self.segments:
            if address < s.end or s is self.segments[-1]:
                address = min(max(address, s.start), s.end)
                return s.x + s.width * (address - s.start) / (s.end - s.start)
        return 0.0

    def span(self, start, end):
        """(x, width) of [start, end), at least MIN_RECT_WIDTH wide."""
        x0, x1 = self.x(start), self.x(end)
        width = max(x1 - x0, MIN_RECT_WIDTH)
        return min(x0, self.width - width), width

    def model(self):
        return [{"start": s.start, "end": s.end, "kind": s.kind, "squeezed": s.squeezed,
                 "x": round(s.x, 2), "width": round(s.width, 2)} for s in self.segments]


# --------------------------------------------------------------------------
# SVG pieces


class Svg:
    """Collects SVG elements and counts the data rectangles by kind."""

    def __init__(self):
        self.parts = []
        self.drawn = {}

    def rect(self, kind, x, y, width, height, fill, title, **data):
        self.drawn[kind] = self.drawn.get(kind, 0) + 1
        attributes = "".join(f' data-{key.replace("_", "-")}="{html.escape(str(value))}"'
                             for key, value in data.items())
        self.parts.append(f'<rect class="region" data-kind="{kind}"{attributes} x="{x:.2f}" y="{y:.2f}" '
                          f'width="{width:.2f}" height="{height:.2f}" fill="{fill}">'
                          f"<title>{html.escape(title)}</title></rect>")

    def text(self, x, y, content, css_class="", anchor="start", rotate=None):
        transform = f' transform="rotate({rotate} {x:.2f} {y:.2f})"' if rotate is not None else ""
        self.parts.append(f'<text x="{x:.2f}" y="{y:.2f}" class="{css_class}" text-anchor="{anchor}"{transform}>'
                          f"{html.escape(content)}</text>")

    def line(self, x1, y1, x2, y2, css_class):
        self.parts.append(f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" class="{css_class}"/>')

    def polyline(self, points, css_class):
        coordinates = " ".join(f"{x:.2f},{y:.2f}" for x, y in points)
        self.parts.append(f'<polyline points="{coordinates}" class="{css_class}"/>')

    def render(self, width, height, label):
        body = "\n".join(self.parts)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
                f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{html.escape(label)}">\n'
                f"{body}\n</svg>")


def range_title(what, start, end, line, extra=""):
    return (f"{what}{extra}\n[0x{start:x}, 0x{end:x})\n0x{end - start:x} bytes ({size_text(end - start)})\n"
            f"dump line {line}")


def draw_gaps(svg, axis, left, top, bottom, what):
    """Shade the squeezed stretches, with a break symbol and their size."""
    for s in axis.segments:
        if s.kind == "covered":
            continue
        x = left + s.x
        svg.rect("gap", x, top, s.width, bottom - top, "url(#hatch)" if s.squeezed else "#f4f4f4",
                 f"{what}: [0x{s.start:x}, 0x{s.end:x}), {size_text(s.end - s.start)}"
                 + (" (not to scale)" if s.squeezed else ""), start=f"0x{s.start:x}", end=f"0x{s.end:x}")
        if s.squeezed and s.kind == "other":
            continue  # the firmware entry itself says what is there
        if s.squeezed:
            middle = x + s.width / 2
            for dx in (-3, 3):
                svg.polyline([(middle + dx - 4, top - 6), (middle + dx + 4, top - 1), (middle + dx - 4, top + 4),
                              (middle + dx + 4, top + 9)], "break")
            svg.text(middle, bottom + 14, size_text(s.end - s.start), "gap-label", "middle")


def draw_ticks(svg, axis, left, y):
    """Addresses at segment boundaries, leaving out those too close together."""
    last = -1e9
    boundaries = []
    for s in axis.segments:
        boundaries.append((s.x, s.start))
        if s.kind == "covered" and s.width > 200:  # round addresses inside a long stretch of RAM
            step = 1 << 12
            while step * s.width / (s.end - s.start) < 110:
                step <<= 1
            inner = range((s.start // step + 1) * step, s.end - step // 2, step)
            boundaries += [(axis.x(address), address) for address in inner]
    boundaries.append((axis.width, axis.segments[-1].end))
    for x, address in boundaries:
        if x - last < 16 and address != boundaries[-1][1]:
            continue
        svg.line(left + x, y - 4, left + x, y + 2, "tick")
        svg.text(left + x + 3, y + 8, f"0x{address:x}", "tick-label", "start", rotate=40)
        last = x


# --------------------------------------------------------------------------
# The three figures


def physical_bands(dump):
    """(title, kind, [(range, colour, what, extra)]) per band, in stage order."""
    r = dump.ranges

    def owner_colour(name):
        return OWNER_COLOURS["module" if name.startswith("module-") else name]

    owners = sorted(r["owner"], key=lambda o: o.start - o.end)  # largest first, smaller ones on top
    return [
        ("firmware memory map", "firmware",
         [(x, FIRMWARE_COLOURS[x.fields["name"]], f"firmware: {x.fields['name']}", f" (type {x.fields['type']})")
          for x in r["firmware"]]),
        ("stage 1: phys_memory_area", "area", [(x, AREA_COLOUR, "phys_memory_area", "") for x in r["area"]]),
        ("stage 2: memblock memory", "memory", [(x, MEMORY_COLOUR, "memblock memory", "") for x in r["memory"]]),
        ("memblock reserved", "reserved", [(x, RESERVED_COLOUR, "memblock reserved", "") for x in r["reserved"]]),
        ("owners of reserved", "owner",
         [(x, owner_colour(x.fields["name"]), f"owner: {x.fields['name']}", "") for x in owners]),
        ("stage 5: buddy free blocks", "free",
         [(x, order_colour(x.fields["order"]), "buddy free block", f", order {x.fields['order']} "
           f"({size_text(PAGE_SIZE << x.fields['order'])})") for x in r["free"]]),
    ]


def physical_figure(dump):
    r = dump.ranges
    physical = [x for kind in ("firmware", "area", "memory", "reserved", "owner", "free") for x in r[kind]]
    if not physical:
        return None, "<p>No physical ranges in this dump (stage none, boot information not found).</p>", None
    ram = [(x.start, x.end) for x in r["firmware"] if x.fields["name"] == "available"]
    ram += [(x.start, x.end) for kind in ("area", "memory", "free") for x in r[kind]]
    other = [(x.start, x.end) for x in physical]
    axis = Axis(union(ram), union(other), 0, max(x.end for x in physical), proportional=True)
    svg = Svg()
    top = 24
    bands = physical_bands(dump)
    bottom = top + len(bands) * (BAND_HEIGHT + BAND_GAP)
    draw_gaps(svg, axis, LABEL_WIDTH, top - 4, bottom - BAND_GAP + 4, "no RAM")
    for i, (title, kind, items) in enumerate(bands):
        y = top + i * (BAND_HEIGHT + BAND_GAP)
        svg.text(LABEL_WIDTH - 8, y + BAND_HEIGHT / 2 + 4, title, "band-label", "end")
        svg.line(LABEL_WIDTH, y + BAND_HEIGHT, LABEL_WIDTH + axis.width, y + BAND_HEIGHT, "baseline")
        if not items:
            svg.text(LABEL_WIDTH + 6, y + BAND_HEIGHT / 2 + 4, f"none in this dump (stage {dump.stage})", "empty")
        for item, colour, what, extra in items:
            x, width = axis.span(item.start, item.end)
            data = {key: value for key, value in item.fields.items() if key in ("name", "order", "type")}
            svg.rect(kind, LABEL_WIDTH + x, y, width, BAND_HEIGHT, colour, range_title(what, item.start, item.end,
                     item.line, extra), start=f"0x{item.start:x}", end=f"0x{item.end:x}", line=item.line, **data)
            if kind == "owner" and width > 7 * len(item.fields["name"]):
                svg.text(LABEL_WIDTH + x + width / 2, y + BAND_HEIGHT / 2 + 4, item.fields["name"], "in-label",
                         "middle")
    draw_ticks(svg, axis, LABEL_WIDTH, bottom + 22)
    height = bottom + 110
    return svg, svg.render(LABEL_WIDTH + axis.width + 90, height, "physical address space"), axis


def histogram_figure(dump):
    if not dump.orders and not dump.ranges["free"]:
        return None, f"<p>No buddy allocator yet (stage {dump.stage}): no free blocks to count.</p>"
    listed = {}
    for x in dump.ranges["free"]:
        listed[x.fields["order"]] = listed.get(x.fields["order"], 0) + 1
    counts = {order: dump.orders.get(order, listed.get(order, 0)) for order in range(MAX_ORDER + 1)}
    svg = Svg()
    left, top, plot_height, bar, step = 60, 30, 220, 44, 60
    highest = max(counts.values()) or 1
    svg.line(left - 6, top + plot_height, left + step * (MAX_ORDER + 1), top + plot_height, "baseline")
    for order, blocks in counts.items():
        height = max(plot_height * blocks / highest, 1 if blocks else 0)
        x, y = left + order * step, top + plot_height - height
        block_bytes = PAGE_SIZE << order
        svg.rect("order", x, y, bar, height, order_colour(order),
                 f"order {order}: {blocks} free blocks of {size_text(block_bytes)}, "
                 f"{size_text(blocks * block_bytes) if blocks else '0 bytes'} in all",
                 order=order, blocks=blocks, listed=listed.get(order, 0), bytes=blocks * block_bytes)
        svg.text(x + bar / 2, y - 6, str(blocks), "count", "middle")
        svg.text(x + bar / 2, top + plot_height + 16, f"{order}", "axis-label", "middle")
        svg.text(x + bar / 2, top + plot_height + 30, size_text(block_bytes), "tick-label", "middle")
    svg.text(left - 40, top + plot_height + 16, "order", "axis-label")
    svg.text(left - 40, top - 12, "free blocks", "axis-label")
    return svg, svg.render(left + step * (MAX_ORDER + 1) + 20, top + plot_height + 44, "free blocks per order")


def region_name(va, pa):
    if va < LOWER_HALF_END:
        return "low identity remap" if va == pa else "lower half"
    if PHYS_OFFSET <= va < DIRECT_MAP_END:
        return "direct map"
    if va >= KERNEL_VIRT_BASE:
        return "kernel image"
    return "other"


def virtual_figure(dump):
    runs = dump.ranges["map"]
    if not runs:
        return None, "<p>No map lines in this dump (paging was off when it was taken).</p>", None
    axis = Axis(union([(x.start, x.end) for x in runs]), [], min(x.start for x in runs), max(x.end for x in runs),
                proportional=False)
    svg = Svg()
    top, rights_y, pages_y = 16, 40, 40 + BAND_HEIGHT + BAND_GAP
    bottom = pages_y + 14
    draw_gaps(svg, axis, LABEL_WIDTH, rights_y - 4, bottom + 4, "unmapped")
    for s in axis.segments:
        if s.kind == "covered":
            first = next(x for x in runs if x.start >= s.start)
            svg.text(LABEL_WIDTH + s.x + s.width / 2, top + 8,
                     f"{region_name(first.start, first.fields['pa'])}, {size_text(s.end - s.start)}", "in-label dark",
                     "middle")
    svg.text(LABEL_WIDTH - 8, rights_y + BAND_HEIGHT / 2 + 4, "rights (W+X red)", "band-label", "end")
    svg.text(LABEL_WIDTH - 8, pages_y + 11, "page size", "band-label", "end")
    for x in runs:
        rights, page = x.fields["rights"], x.fields["page"]
        start, width = axis.span(x.start, x.end)
        npages = (x.end - x.start) // PAGE_SIZES[page]
        title = range_title(f"{region_name(x.start, x.fields['pa'])}: {rights}"
                            f"{' W+X' if rights == 'rwx' else ''}, {npages} x {page} page{'s' * (npages > 1)}, "
                            f"global={x.fields['global']}", x.start, x.end, x.line,
                            f"\nmapped at pa 0x{x.fields['pa']:x}")
        common = {"start": f"0x{x.start:x}", "end": f"0x{x.end:x}", "pa": f"0x{x.fields['pa']:x}", "page": page,
                  "rights": rights, "line": x.line}
        svg.rect("map", LABEL_WIDTH + start, rights_y, width, BAND_HEIGHT, RIGHTS_COLOURS[rights],
                 title, **common)
        svg.rect("map-page", LABEL_WIDTH + start, pages_y, width, 14, PAGE_COLOURS[page], title, **common)
    draw_ticks(svg, axis, LABEL_WIDTH, bottom + 22)
    return svg, svg.render(LABEL_WIDTH + axis.width + 120, bottom + 140, "virtual mappings"), axis


# --------------------------------------------------------------------------
# The page


CSS = """
body { font-family: sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
p.note { color: #555; font-size: 13px; max-width: 1100px; }
svg text { font-family: sans-serif; font-size: 11px; fill: #222; }
svg .band-label { font-size: 12px; } svg .empty { fill: #888; font-style: italic; }
svg .in-label { fill: #fff; font-size: 10px; } svg .in-label.dark { fill: #222; }
svg .tick-label { font-size: 9px; fill: #555; } svg .gap-label { font-size: 10px; fill: #555; }
svg .count { font-size: 10px; } svg .axis-label { font-size: 11px; }
svg .tick, svg .baseline { stroke: #999; stroke-width: 1; }
svg .break { stroke: #333; stroke-width: 1.2; fill: none; }
svg rect.region:hover { stroke: #000; stroke-width: 1; }
.legend span { display: inline-block; margin: 2px 10px 2px 0; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
table { border-collapse: collapse; font-size: 12px; } td, th { padding: 2px 8px; text-align: left; }
tr:nth-child(even) { background: #f4f4f4; } tr.wx td { color: #c62828; font-weight: bold; }
td.num { font-family: monospace; }
"""
HATCH = ('<svg width="0" height="0" style="position:absolute"><defs><pattern id="hatch" width="6" height="6" '
         'patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><path d="M0,0 H6 V6 H0 Z" fill="#f4f4f4"/>'
         '<line x1="0" y1="0" x2="0" y2="6" stroke="#ccc" stroke-width="2"/></pattern></defs></svg>')


def legend(items):
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{colour}"></i>{html.escape(name)}</span>' for name, colour in items) + "</div>"


def map_table(dump):
    rows = []
    for x in dump.ranges["map"]:
        wx = x.fields["rights"] == "rwx"
        rows.append(f'<tr class="{"wx" if wx else ""}"><td>{html.escape(region_name(x.start, x.fields["pa"]))}</td>'
                    f'<td class="num">0x{x.start:016x}</td><td class="num">0x{x.end:016x}</td>'
                    f"<td>{size_text(x.end - x.start)}</td><td class=\"num\">0x{x.fields['pa']:x}</td>"
                    f"<td>{x.fields['page']}</td><td>{x.fields['rights']}{' W+X' if wx else ''}</td>"
                    f"<td>{x.fields['global']}</td></tr>")
    return ("<table><tr><th>region</th><th>start</th><th>end</th><th>size</th><th>pa</th><th>page</th>"
            "<th>rights</th><th>global</th></tr>" + "".join(rows) + "</table>")


def model(dump, physical_axis, virtual_axis, drawn):
    """What the page shows, as plain data for --json."""
    bands = {}
    for kind, items in dump.ranges.items():
        bands[kind] = {"count": len(items), "bytes": sum(x.end - x.start for x in items),
                       "ranges": [dict({"start": x.start, "end": x.end, "line": x.line}, **x.fields) for x in items]}
    return {
        "input": dump.path,
        "dump": {"begin_line": dump.begin_line, "end_line": dump.end_line, "version": dump.version,
                 "source": dump.source, "stage": dump.stage, "lines": dump.line_count},
        "ranges": bands,
        "orders": {str(o): n for o, n in sorted(dump.orders.items())},
        "wx_runs": [{"start": x.start, "end": x.end} for x in dump.ranges["map"] if x.fields["rights"] == "rwx"],
        "cpus": [dict({"index": index}, **fields) for index, fields in dump.cpus],
        "physical_axis": physical_axis.model() if physical_axis else [],
        "virtual_axis": virtual_axis.model() if virtual_axis else [],
        "drawn": drawn,
    }


def render_page(dump, title):
    phys_svg, phys_html, phys_axis = physical_figure(dump)
    hist_svg, hist_html = histogram_figure(dump)
    virt_svg, virt_html, virt_axis = virtual_figure(dump)
    drawn = {}
    for svg in (phys_svg, hist_svg, virt_svg):
        for kind, count in (svg.drawn.items() if svg else ()):
            drawn[kind] = drawn.get(kind, 0) + count
    r = dump.ranges
    ram = sum(x.end - x.start for x in r["memory"])
    free = sum(x.end - x.start for x in r["free"])
    wx = [x for x in r["map"] if x.fields["rights"] == "rwx"]
    summary = (f"Dump of lines {dump.begin_line}-{dump.end_line} of {html.escape(dump.path)}: source "
               f"{html.escape(dump.source)}, MM stage <b>{html.escape(dump.stage)}</b>. memblock memory "
               f"{size_text(ram) if ram else 'none'}, buddy free {size_text(free) if free else 'none'}, "
               f"{len(r['map'])} map runs ({len(wx)} W+X), {len(dump.cpus)} CPUs online.")
    owners = sorted({("module-N" if x.fields["name"].startswith("module-") else x.fields["name"]) for x in r["owner"]})
    firmware_names = [n for n in FIRMWARE_COLOURS if any(x.fields["name"] == n for x in r["firmware"])]
    stage_legend = legend([(f"firmware {n}", FIRMWARE_COLOURS[n]) for n in firmware_names]
                          + [("phys_memory_area", AREA_COLOUR), ("memblock memory", MEMORY_COLOUR),
                             ("memblock reserved", RESERVED_COLOUR)])
    owner_legend = legend([(n, OWNER_COLOURS["module" if n == "module-N" else n]) for n in owners]
                          + [(f"order {o}", order_colour(o)) for o in range(MAX_ORDER + 1)])
    map_legend = legend(list(RIGHTS_COLOURS.items())
                        + [(f"{k} pages", c) for k, c in PAGE_COLOURS.items()])
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{CSS}</style></head>
<body>
{HATCH}
<h1>{html.escape(title)}</h1>
<p>{summary}</p>
<h2>Physical address space, one band per stage</h2>
<p class="note">Left to right by physical address. RAM is drawn to scale; each stretch without RAM is
squeezed to at most {GAP_WIDTH} pixels (hatched, with a break mark and its size below). Very small ranges are
drawn {MIN_RECT_WIDTH} pixels wide so they can be hovered: the tooltip gives exact addresses and sizes.</p>
{phys_html}
{stage_legend}
{owner_legend}
<h2>Buddy free blocks per order</h2>
{hist_html}
<h2>Virtual mappings of the live page tables</h2>
<p class="note">Each mapped cluster has its own scale; unmapped stretches between them are squeezed.
Writable and executable (W+X) runs are red.</p>
{virt_html}
{map_legend}
{map_table(dump) if r["map"] else ""}
</body></html>
"""
    return page, model(dump, phys_axis, virt_axis, drawn)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="memviz.py", description="Draw the last complete StageOS MM dump of a serial log or an mm-dump file "
        "as one self-contained HTML page (docs/14-monitor.md, section 14.4).")
    parser.add_argument("log", metavar="LOG", help="serial log or GDB mm-dump file")
    parser.add_argument("-o", "--output", metavar="OUT.html", required=True, help="the HTML page to write")
    parser.add_argument("--json", metavar="OUT.json", help="also write what was read and drawn, as JSON")
    parser.add_argument("--title", help="the page's title (default: StageOS memory, LOG's name)")
    args = parser.parse_args(argv)
    try:
        dump = read_dump_file(args.log)
    except DumpError as error:
        print(f"memviz.py: {error}", file=sys.stderr)
        return 1
    title = args.title or f"StageOS memory: {os.path.basename(args.log)}, stage {dump.stage}"
    page, data = render_page(dump, title)
    try:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(page)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1)
    except OSError as error:
        print(f"memviz.py: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(data["drawn"].items()))
    print(f"memviz.py: {args.output}: dump of {args.log} lines {dump.begin_line}-{dump.end_line}, drew {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
