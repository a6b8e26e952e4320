#!/usr/bin/env python3
"""qemu_status.py - what QEMU's exit status says about a StageOS run, in one
place for every script that runs the kernel (run.sh and debug.sh call it as
a program; qemu_boot.py and the GDB test driver import it).

  status 33  the kernel finished: KERNEL OK, then `exit` wrote 0x10 to isa-debug-exit
  status 35  the kernel panicked (`exit` wrote 0x11)
  status 0   the CPU reset (triple fault): with -no-reboot, QEMU exits
             instead of rebooting. (QEMU also exits with 0 when it is quit
             by hand: Ctrl-A X, the monitor's quit, GDB's kill. To tell the
             two apart, every script runs QEMU with -d cpu_reset -D <log>, and
             QEMU's TCG writes "Triple fault" into that log.)

Only 33 is success.

As a program:  qemu_status.py NAME STATUS [RESET_LOG]
prints "NAME: <what happened>" (on stderr unless the status is 33) and exits
0 for status 33, 1 otherwise.
"""
import os
import sys

SUCCESS = 33
PANIC = 35
RESET = 0
TRIPLE_FAULT = "the CPU reset (triple fault)"


def qemu_args(reset_log):
    """QEMU options every run needs: end QEMU on a reset instead of
    rebooting, and log resets so that a triple fault can be told apart."""
    return ["-no-reboot", "-d", "cpu_reset", "-D", reset_log]


def triple_fault_logged(reset_log):
    """Whether QEMU's reset log (-d cpu_reset -D reset_log) records a triple fault."""
    if not reset_log or not os.path.exists(reset_log):
        return False
    with open(reset_log, errors="replace") as log:
        return any(line.startswith("Triple fault") for line in log)


def describe(status, reset_log=None, quit_by_hand_possible=False):
    """One sentence saying what the status means. With quit_by_hand_possible
    (interactive runs), status 0 without a triple fault in reset_log is
    reported as a quit by hand rather than as a reset."""
    if status == SUCCESS:
        return "the kernel finished (KERNEL OK, QEMU exit status 33)"
    if status == PANIC:
        return "the kernel panicked (QEMU exit status 35)"
    if status == RESET:
        if quit_by_hand_possible and not triple_fault_logged(reset_log):
            return ("QEMU was quit before the kernel ended it (QEMU exit status 0, "
                    "and no triple fault in QEMU's reset log)")
        return f"{TRIPLE_FAULT}: QEMU exit status 0 (-no-reboot ends QEMU instead of rebooting)"
    if status < 0 or status > 128:
        signal = -status if status < 0 else status - 128
        return f"QEMU was killed by signal {signal} before the kernel ended it"
    return f"QEMU failed with exit status {status} (not one the kernel sets: see what QEMU said)"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    name, status = sys.argv[1], int(sys.argv[2])
    reset_log = sys.argv[3] if len(sys.argv) == 4 else None
    print(f"{name}: {describe(status, reset_log, quit_by_hand_possible=True)}",
          file=sys.stdout if status == SUCCESS else sys.stderr)
    sys.exit(0 if status == SUCCESS else 1)


if __name__ == "__main__":
    main()
