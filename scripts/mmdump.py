"""mmdump.py - reads the MM dump format of docs/14-monitor.md section 14.1.

The kernel's monitor (`dump`), a boot with the `debug` word and GDB's
`mm-dump` print the memory state as lines that start with `dump `; this
module finds them in a serial log or a file and turns the last complete
dump into plain data. scripts/memviz.py draws it; the tests check it.

    from mmdump import read_dump_file, DumpError
    dump = read_dump_file("serial.log")      # raises DumpError on bad input
    for r in dump.ranges["free"]: print(hex(r.start), r.fields["order"])

Every dump line of the file is checked, not only the last dump's: a
malformed line is an error naming its line number. Kinds and keys this
reader does not know are skipped, as the format asks.
"""
import re
from dataclasses import dataclass, field

PAGE_SIZE = 4096
MAX_ORDER = 10  # orders 0..10, as the buddy of src/mm/buddy.h
SUPPORTED_VERSION = 1

STAGES = ("none", "phys_memory_area", "memblock", "bump", "paging", "buddy", "smp")
FIRMWARE_NAMES = ("available", "reserved", "acpi-reclaimable", "acpi-nvs", "bad-ram", "unknown")
PAGE_SIZES = {"4K": 4 << 10, "2M": 2 << 20, "1G": 1 << 30}

# Kinds whose first two fields are a half-open range [start, end), with
# the keys each one must have (and how to read their values).
RANGE_KINDS = {
    "firmware": {"type": "number", "name": "word"},
    "area": {},
    "memory": {},
    "reserved": {},
    "owner": {"name": "word"},
    "free": {"order": "number"},
    "map": {"pa": "number", "page": "word", "rights": "word", "global": "number"},
}
# Kinds with one number after the kind (an order, a CPU index).
NUMBERED_KINDS = {"order": {"blocks": "number"}, "cpu": {"apic": "number", "state": "word"}}

HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
DECIMAL = re.compile(r"[0-9]+\Z")
RIGHTS = re.compile(r"r[w-][x-]\Z")
OWNER_NAME = re.compile(r"(first-mib|kernel-image|boot-information|early-page-tables|module-[0-9]+|"
                        r"kernel-page-tables|buddy-metadata)\Z")


class DumpError(Exception):
    """Input that is not a valid dump; the message names the file and line."""


@dataclass
class Range:
    start: int
    end: int  # exclusive
    fields: dict  # key -> int or str
    line: int  # line number in the file, from 1


@dataclass
class Dump:
    path: str
    begin_line: int
    end_line: int
    version: int
    source: str
    stage: str
    ranges: dict = field(default_factory=lambda: {kind: [] for kind in RANGE_KINDS})
    orders: dict = field(default_factory=dict)  # order -> blocks, from `dump order` lines
    cpus: list = field(default_factory=list)  # [(index, fields)]
    line_count: int = 0  # dump lines, begin and end included


def parse_number(text):
    """A field's number: hexadecimal with 0x, else decimal; None if neither."""
    if HEX.match(text):
        return int(text, 16)
    if DECIMAL.match(text):
        return int(text)
    return None


class _LineReader:
    """Checks one dump line's fields and says what is wrong with them."""

    def __init__(self, path, number, text):
        self.where = f"{path}:{number}"
        self.number = number
        self.text = text

    def fail(self, why):
        raise DumpError(f"{self.where}: malformed dump line ({why}): {self.text!r}")

    def number_at(self, word, what):
        value = parse_number(word)
        if value is None:
            self.fail(f"{what} {word!r} is not a number")
        return value

    def address(self, word, what):
        if not HEX.match(word):
            self.fail(f"{what} {word!r} is not a hexadecimal number with 0x")
        return int(word, 16)

    def keys(self, words, wanted):
        """key=value words into a dict; wanted maps the required keys to
        "number" or "word". Unknown keys are kept as text."""
        values = {}
        for word in words:
            key, sep, value = word.partition("=")
            if not sep or not key or not value:
                self.fail(f"{word!r} is not key=value")
            if key in values:
                self.fail(f"key {key!r} appears twice")
            values[key] = value
        for key, kind in wanted.items():
            if key not in values:
                self.fail(f"no {key}=")
            if kind == "number":
                values[key] = self.number_at(values[key], key)
        return values


def _check_range_fields(reader, kind, start, end, values):
    """The rules of section 14.1 that tie a range line's fields together."""
    if start >= end:
        reader.fail(f"empty or reversed range [0x{start:x}, 0x{end:x})")
    if kind == "firmware" and values["name"] not in FIRMWARE_NAMES:
        reader.fail(f"firmware name {values['name']!r} is not one of {', '.join(FIRMWARE_NAMES)}")
    if kind == "owner" and not OWNER_NAME.match(values["name"]):
        reader.fail(f"owner name {values['name']!r} is not a known owner")
    if kind == "free":
        order = values["order"]
        if order > MAX_ORDER:
            reader.fail(f"order {order} is above {MAX_ORDER}")
        if end - start != PAGE_SIZE << order:
            reader.fail(f"an order-{order} block is 0x{PAGE_SIZE << order:x} bytes, this one 0x{end - start:x}")
        if start % (PAGE_SIZE << order):
            reader.fail(f"an order-{order} block must be aligned to 0x{PAGE_SIZE << order:x}")
    if kind == "map":
        if values["page"] not in PAGE_SIZES:
            reader.fail(f"page {values['page']!r} is not 4K, 2M or 1G")
        if not RIGHTS.match(values["rights"]):
            reader.fail(f"rights {values['rights']!r} are not r, w or -, x or -")
        if values["global"] not in (0, 1):
            reader.fail(f"global={values['global']} is not 0 or 1")
        page = PAGE_SIZES[values["page"]]
        if start % page or end % page or values["pa"] % page:
            reader.fail(f"a run of {values['page']} pages must start, end and map at multiples of 0x{page:x}")


def parse_dump_lines(lines, path="<input>"):
    """All dumps in lines (an iterable of str), as a list of Dump, in file
    order; only complete ones (begin ... end). Raises DumpError for any
    malformed dump line, and for dump lines outside begin ... end."""
    dumps = []
    current = None
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n").rstrip()
        if not text.startswith("dump "):
            continue
        reader = _LineReader(path, number, text)
        words = text.split()
        if len(words) < 2:
            reader.fail("no kind after 'dump'")
        kind = words[1]
        if kind == "begin":
            values = reader.keys(words[2:], {"version": "number", "source": "word", "stage": "word"})
            if values["version"] != SUPPORTED_VERSION:
                reader.fail(f"version {values['version']} is not {SUPPORTED_VERSION}, the one this reader knows")
            if values["source"] not in ("kernel", "gdb"):
                reader.fail(f"source {values['source']!r} is not kernel or gdb")
            if values["stage"] not in STAGES:
                reader.fail(f"stage {values['stage']!r} is not one of {', '.join(STAGES)}")
            # A dump cut short (a panic, a killed QEMU) is dropped for the next.
            current = Dump(path, number, 0, values["version"], values["source"], values["stage"])
            current.line_count = 1
            continue
        if current is None:
            reader.fail("a dump line before any 'dump begin'")
        current.line_count += 1
        if kind == "end":
            values = reader.keys(words[2:], {"lines": "number"})
            if values["lines"] != current.line_count:
                reader.fail(f"lines={values['lines']}, but the dump from line {current.begin_line} "
                            f"has {current.line_count} dump lines")
            current.end_line = number
            dumps.append(current)
            current = None
        elif kind in RANGE_KINDS:
            if len(words) < 4:
                reader.fail("a range needs a start and an end")
            start = reader.address(words[2], "start")
            end = reader.address(words[3], "end")
            values = reader.keys(words[4:], RANGE_KINDS[kind])
            _check_range_fields(reader, kind, start, end, values)
            current.ranges[kind].append(Range(start, end, values, number))
        elif kind in NUMBERED_KINDS:
            if len(words) < 3:
                reader.fail(f"'{kind}' needs a number")
            index = reader.number_at(words[2], kind)
            values = reader.keys(words[3:], NUMBERED_KINDS[kind])
            if kind == "order":
                if index > MAX_ORDER:
                    reader.fail(f"order {index} is above {MAX_ORDER}")
                if index in current.orders:
                    reader.fail(f"order {index} is listed twice")
                current.orders[index] = values["blocks"]
            else:
                current.cpus.append((index, values))
        # Any other kind is a newer one: skipped, as the format asks.
    return dumps


def read_dump_file(path):
    """The last complete dump of the file at path. DumpError when the file
    cannot be read, holds a malformed dump line, or holds no complete dump."""
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            text = f.read()
    except OSError as error:
        raise DumpError(f"cannot read {path}: {error.strerror}") from None
    # A serial log may end lines with \r\n (or, through a terminal, \r\r\n).
    dumps = parse_dump_lines(text.split("\n"), path)
    if not dumps:
        raise DumpError(f"{path}: no complete dump (no 'dump begin' ... 'dump end' lines): "
                        "boot with the `debug` word, type `dump` at the monitor, or use mm-dump in GDB")
    return dumps[-1]
