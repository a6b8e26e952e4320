"""gdbtest.py - what the GDB test scripts share; runs inside GDB.

tests/gdb/gdb_driver.py starts QEMU and runs `gdb -batch -nx -x test_x.py`
with scripts/gdb and this directory on sys.path and three environment
variables: STAGEOS_GDB_PORT, STAGEOS_ELF, STAGEOS_SERIAL_LOG. A test script
defines test() and ends with gdbtest.run(test): run() connects, calls test(),
and prints "GDBTEST PASS" (then detaches, so the kernel runs to its end) or
"GDBTEST FAIL: <why>".
"""
import os
import re
import traceback

import gdb

import stageos

ANSI_ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[()][A-Za-z0-9]|[=>])")


class Failure(Exception):
    """A check that did not hold; the message says what was expected and seen."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def execute(command):
    """Run a GDB command, echo it and its output (for the test log), and
    return the output."""
    output = gdb.execute(command, to_string=True)
    print(f"(gdb) {command}\n{output.rstrip()}")
    return output


def connect():
    """Architecture first (see scripts/gdb/gdbinit.in), then the ELF, then
    the connection to QEMU, which waits at the first instruction."""
    gdb.execute("set architecture i386:x86-64")
    gdb.execute(f"file {os.environ['STAGEOS_ELF']}")
    gdb.execute(f"target remote 127.0.0.1:{os.environ['STAGEOS_GDB_PORT']}")


def stop_at(function):
    """Run to the first instruction of function (a hardware breakpoint),
    and check that GDB says that is where the kernel stopped."""
    gdb.execute("delete")
    gdb.execute(f"hbreak {function}")
    try:
        execute("continue")
    except gdb.error as error:
        raise Failure(f"the kernel did not reach {function} ({error}): already past it, or it ended") \
            from None
    frame = gdb.selected_frame().name()
    check(frame == function, f"expected to stop in {function}, stopped in {frame} at {register('pc'):#x}")


def finish():
    """Run until the current function returns to its caller."""
    execute("finish")


def register(name):
    return stageos.register(name)


def readable(va):
    """Whether GDB can read 8 bytes at the virtual address va (whether the
    current page tables map it)."""
    try:
        gdb.selected_inferior().read_memory(va, 8)
        return True
    except gdb.MemoryError:
        return False


def serial_lines():
    """The lines the kernel has printed on COM1 so far (QEMU writes the log
    file as the kernel writes the UART, so it is current at a breakpoint)."""
    raw = open(os.environ["STAGEOS_SERIAL_LOG"], "rb").read()
    text = ANSI_ESCAPE.sub("", raw.decode("utf-8", errors="replace")).replace("\r", "")
    return [line.rstrip() for line in text.split("\n")]


def serial_match(pattern):
    """The re.Match of the first serial line matching pattern (re.search)."""
    for line in serial_lines():
        found = re.search(pattern, line)
        if found:
            return found
    raise Failure(f"no serial line matches {pattern!r}; the log so far:\n" + "\n".join(serial_lines()))


def run(test):
    try:
        connect()
        test()
    except Failure as failure:
        print(f"GDBTEST FAIL: {failure}")
        return
    except Exception:
        print("GDBTEST FAIL: unexpected error\n" + traceback.format_exc())
        return
    print("GDBTEST PASS")
    gdb.execute("delete")
    gdb.execute("detach")
