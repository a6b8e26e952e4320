#!/usr/bin/env python3
"""test_monitor.py --iso ISO [--smp N] [--timeout S]: boot a kernel without
`exit` and drive the MM monitor through the serial port (QEMU's -serial
stdio on pipes), checking every command, every error path, a storm of
random bytes, and `quit` ending QEMU with status 33.

Each check sends one line, waits for the next prompt, and matches what the
kernel printed in between. A failure prints the exchange and exits 1."""
import argparse
import os
import random
import re
import select
import subprocess
import sys
import time

PROMPT = "stageos> "


class Failure(Exception):
    pass


class Monitor:
    def __init__(self, args):
        cmd = [args.qemu, "-machine", "pc", "-cpu", "max", "-m", args.memory, "-smp", str(args.smp),
               "-accel", "tcg", "-display", "none", "-vga", "none", "-monitor", "none", "-no-reboot",
               "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-cdrom", args.iso, "-boot", "d"]
        self.timeout = args.timeout
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.text = ""      # everything received, \r removed
        self.consumed = 0   # how much of it earlier exchanges used

    def read_until(self, pattern, timeout=None):
        """Wait until the unconsumed text matches pattern; return that text."""
        deadline = time.monotonic() + (timeout or self.timeout)
        regex = re.compile(pattern)
        while True:
            m = regex.search(self.text, self.consumed)
            if m:
                chunk = self.text[self.consumed:m.end()]
                self.consumed = m.end()
                return chunk
            left = deadline - time.monotonic()
            exited = self.proc.poll() is not None
            if left <= 0 or (exited and not self.read_available(0)):
                # QEMU may exit right after its last output (`quit`): what it
                # wrote is read first, and only then is it too late.
                raise Failure(f"waited for {pattern!r}; got:\n{self.text[self.consumed:][-3000:]}")
            self.read_available(min(left, 0.5))

    def read_available(self, timeout):
        """Read what QEMU has written within timeout seconds; whether
        anything came."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return False
        data = os.read(self.proc.stdout.fileno(), 65536)
        self.text += data.decode("latin-1").replace("\r", "")
        return bool(data)

    def send_bytes(self, data):
        # Small writes, as a person (or a paste) would: the UART has a
        # 16-byte FIFO and the monitor polls it.
        for i in range(0, len(data), 8):
            self.proc.stdin.write(data[i:i + 8])
            self.proc.stdin.flush()
            time.sleep(0.002)

    def command(self, line):
        """Send a line, return what came back before the next prompt."""
        self.send_bytes(line.encode() + b"\r")
        out = self.read_until(re.escape(PROMPT))
        return out[: -len(PROMPT)]


def expect(out, pattern, what):
    if not re.search(pattern, out, re.M):
        raise Failure(f"{what}: no line matches {pattern!r} in:\n{out}")


def run_checks(mon, args):
    mon.read_until(r"KERNEL OK\n", timeout=args.timeout)
    mon.read_until(re.escape(PROMPT))
    checks = 0

    def check(line, *patterns, reject=None):
        nonlocal checks
        out = mon.command(line)
        for p in patterns:
            expect(out, p, f"'{line}'")
        if reject and re.search(reject, out, re.M):
            raise Failure(f"'{line}': output matches rejected {reject!r}:\n{out}")
        checks += 1
        return out

    # help lists every command with its line of help.
    out = check("help", r"^  help\s+list the commands$")
    for name in ["help", "stage", "areas", "memblock", "buddy", "cpus", "alloc", "free", "walk", "maps",
                 "peek", "selftest", "dump", "quit"]:
        expect(out, rf"^  {name}\b", "help")
    check("stage", r"^MM stage: smp \(6 of 6\)$", r"^  5 buddy\s+done$")
    check("areas", r"^phys_area: \d+ usable ranges", r"other memory-map entries recorded")
    check("memblock", r"^memblock: memory: \d+ regions", r"^memblock: reserved: \d+ regions")
    check("buddy", r"^buddy: order 10 \( 4096 KiB blocks\): \d+ free")
    check("buddy 10", r"^order 10 \(4096 KiB blocks\): \d+ free$", r"^  \[0x[0-9a-f]+-0x[0-9a-f]+\)$")
    check(f"cpus", rf"^{args.smp} of {args.smp} CPUs online$", r"^  cpu 0: APIC id \d+, online \(running the monitor\)$")

    # alloc and free, and every refusal of the buddy in its own words.
    out = check("alloc 0", r"^0x[0-9a-f]+ \(order 0, 4 KiB\)$")
    page = int(re.search(r"^(0x[0-9a-f]+)", out, re.M).group(1), 16)
    check(f"free {page:#x} 0", rf"^freed {page:#x} \(order 0\)$")
    check(f"free {page:#x} 0", r"refused: double free$")
    out = check("alloc 2", r"^0x[0-9a-f]+ \(order 2, 16 KiB\)$")
    block = int(re.search(r"^(0x[0-9a-f]+)", out, re.M).group(1), 16)
    check(f"free {block:#x} 1", r"allocated with order 2 but freed with order 1", r"refused: wrong order$")
    check(f"free {block + 0x1000:#x} 2", r"refused: misaligned$")
    check("free 0x1000 0", r"never managed", r"refused: reserved frame$")
    check("free 0x7000000000 0", r"outside the managed span", r"refused: not allocated by this allocator$")
    check(f"free {block:#x} 2", rf"^freed {block:#x} \(order 2\)$")
    check("alloc 11", r"^alloc: ORDER 11 is out of range \(0 to 10\)$")
    check("alloc x1", r"^alloc: ORDER 'x1' is not a number")
    check("alloc", r"^alloc: 0 arguments given, 1 to 1 expected; usage: alloc ORDER$")
    check("free 0x1000", r"^free: 1 argument given, 2 to 2 expected; usage: free PA ORDER$")
    check("free zz 0", r"^free: PA 'zz' is not a number")
    check("buddy 99", r"^buddy: ORDER 99 is out of range")

    # walk: a mapped address, an unmapped one, a non-canonical one.
    check("walk 0xffff800000100000", r"^  PML4\[256\] in table 0x[0-9a-f]+: 0x[0-9a-f]+  P RW",
          r"^-> 0x100000, a \d+ KiB page, rw- global$")
    check("walk 0x1000", r"not present$", r"^-> not mapped$")
    check("walk 0x800000000000", r"^walk: VA 0x800000000000: non-canonical")

    # maps: ranges with rights; W^X holds, so wx lists none.
    out = check("maps", r"^  \[0xffff800000000000-0x[0-9a-f]+\) -> 0x0  rw-", r"^\d+ ranges$", reject=r"W\+X!")
    # The kernel's text is its r-x range: walking into it agrees with maps.
    text = re.search(r"^  \[(0xffffffff8[0-9a-f]+)-0x[0-9a-f]+\) -> (0x[0-9a-f]+)  r-x", out, re.M)
    if not text:
        raise Failure(f"'maps' shows no r-x range of the kernel image:\n{out}")
    check(f"walk {int(text.group(1), 16) + 0x10:#x}", rf"^-> {int(text.group(2), 16) + 0x10:#x}, a 4 KiB page, r-x global$")
    check("maps wx", r"^0 writable\+executable ranges$")
    check("maps all", r"^maps: unknown option 'all'")

    # peek reads only mapped memory: the multiboot2 header's magic at 1 MiB.
    check("peek 0xffff800000100000 16", r"^  0xffff800000100000: d6 50 52 e8")
    check("peek 0x0", r"^peek: 0x0 is not mapped: nothing read$")
    check("peek 0xffff800000100000 513", r"^peek: N 513 is out of range \(0 to 512\)$")
    check("peek 0xfffffffffffffff0 32", r"not a range|not mapped")

    # dump: a complete dump, its line count right.
    out = check("dump", r"^dump begin version=1 source=kernel stage=smp$", r"^dump end lines=\d+$",
                r"^dump owner 0x100000 0x[0-9a-f]+ name=kernel-image$", r"^dump order 10 blocks=\d+$",
                r"^dump map 0xffff800000000000 ")
    lines = [l for l in out.splitlines() if l.startswith("dump ")]
    stated = int(re.search(r"^dump end lines=(\d+)$", out, re.M).group(1))
    if stated != len(lines):
        raise Failure(f"dump says {stated} lines, sent {len(lines)}")

    # Garbage: an unknown word, too many words, a line longer than the buffer.
    check("frobnicate now", r"^unknown command 'frobnicate': 'help' lists the commands$")
    check("stage " + "x " * 9, r"^too many words")
    check("y" * 300, r"^line too long: at most 120 characters; ignored$")
    # Backspace edits: "alloc 9<BS><BS>" leaves "alloc" with no argument.
    check("halp\b\b\belp", r"^  help\s+list the commands$")

    # A storm of random bytes (fixed seed), then help must still answer.
    rng = random.Random(args.seed)
    storm = bytes(rng.randrange(256) for _ in range(args.random_bytes))
    mon.send_bytes(storm + b"\r")
    # The kernel is still answering the storm's lines: a marker line tells
    # where that ends.
    mon.send_bytes(b"end-of-storm-marker\r")
    mon.read_until(r"unknown command 'end-of-storm-marker'[^\n]*\n" + re.escape(PROMPT), timeout=120)
    check("help", r"^  quit\s+end QEMU")
    check("stage", r"^MM stage: smp")

    check("selftest", r"^selftest: buddy stress: 10 rounds", r"module\(s\) unchanged")

    # quit ends QEMU through isa-debug-exit: status 33.
    mon.send_bytes(b"quit\r")
    mon.read_until(r"bye\n")
    try:
        status = mon.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        raise Failure("'quit' did not end QEMU")
    if status != 33:
        raise Failure(f"'quit' ended QEMU with status {status}, expected 33")
    return checks + 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iso", required=True)
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--memory", default="256M")
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--random-bytes", type=int, default=5000)
    p.add_argument("--seed", type=int, default=20261129)
    p.add_argument("--transcript", help="write everything the kernel sent to this file")
    args = p.parse_args()
    if not os.path.exists(args.iso):
        print(f"FAIL: ISO {args.iso} does not exist: build first", file=sys.stderr)
        sys.exit(1)
    mon = Monitor(args)
    try:
        checks = run_checks(mon, args)
    except Failure as e:
        print(f"FAIL: {e}")
        mon.proc.kill()
        sys.exit(1)
    finally:
        if mon.proc.poll() is None:
            mon.proc.kill()
        if args.transcript:
            with open(args.transcript, "w") as f:
                f.write(mon.text)
    print(f"PASS: {checks} monitor exchanges checked")


if __name__ == "__main__":
    main()
