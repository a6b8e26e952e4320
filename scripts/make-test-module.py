#!/usr/bin/env python3
"""make-test-module.py OUT SIZE: write SIZE deterministic pseudo-random
bytes (a fixed-seed linear congruential generator) for the module boot
test, so the same build always makes the same module."""
import sys

out, size = sys.argv[1], int(sys.argv[2])
state = 0x5EED1234
data = bytearray(size)
for i in range(size):
    state = (state * 1103515245 + 12345) & 0xFFFFFFFF
    data[i] = state >> 16 & 0xFF
with open(out, "wb") as f:
    f.write(data)
