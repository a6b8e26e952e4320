#!/usr/bin/env python3
"""make-test-module.py OUT SIZE [SEED]: write SIZE deterministic pseudo-random
bytes (a linear congruential generator with a fixed seed, 0x5EED1234 unless
SEED is given) for the module boot tests, so the same build always makes the
same module and modules with different seeds differ."""
import argparse
import os


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", metavar="OUT", help="the file to write")
    p.add_argument("size", metavar="SIZE", type=int, help="its size in bytes")
    p.add_argument("seed", metavar="SEED", nargs="?", type=lambda text: int(text, 0), default=0x5EED1234,
                   help="the generator's seed (decimal or 0x...)")
    args = p.parse_args()
    state = args.seed
    data = bytearray(args.size)
    for i in range(args.size):
        state = (state * 1103515245 + 12345) & 0xFFFFFFFF
        data[i] = state >> 16 & 0xFF
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
