#!/usr/bin/env python3
"""make-test-module.py OUT SIZE [SEED]: write SIZE deterministic pseudo-random
bytes (a linear congruential generator with a fixed seed, 0x5EED1234 unless
SEED is given) for the module boot tests, so the same build always makes the
same module and modules with different seeds differ."""
import os
import sys

out, size = sys.argv[1], int(sys.argv[2])
state = int(sys.argv[3], 0) if len(sys.argv) > 3 else 0x5EED1234
data = bytearray(size)
for i in range(size):
    state = (state * 1103515245 + 12345) & 0xFFFFFFFF
    data[i] = state >> 16 & 0xFF
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
with open(out, "wb") as f:
    f.write(data)
