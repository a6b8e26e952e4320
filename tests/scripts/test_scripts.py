#!/usr/bin/env python3
"""test_scripts.py CASE SOURCE_DIR BUILD_DIR: one behaviour of the scripts in
scripts/ that a newcomer relies on, checked without building anything.

Tools that would build, install or boot (cmake, ctest's builds, apt-get,
sudo, QEMU, GDB, the compilers) are replaced by stubs on PATH that record
that they ran and fail; a case fails when a stub it did not expect ran.
Cases (tests/scripts/CMakeLists.txt registers one ctest test each):

  help                 every script prints usage on --help and exits 0
  test-sh-no-match     test.sh fails, saying so, when no test matches -L
  test-sh-bad-option   test.sh refuses an option it does not know
  setup-no-apt         setup.sh without apt-get lists the packages, exits 1
  setup-skipped        STAGEOS_SKIP_SETUP=1: setup.sh checks nothing, exits 0
  run-sh-no-qemu       run.sh names a missing QEMU and scripts/setup.sh
  debug-sh-no-gdb      debug.sh names a missing GDB and scripts/setup.sh
  debug-sh-cmdline     debug.sh --build-dir (the qemu-gdb target) refuses a
                       STAGEOS_CMDLINE its ISO was not built with
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

STUBBED = ["cmake", "ctest", "make", "gcc", "clang", "apt-get", "dpkg-query", "sudo", "qemu-system-x86_64",
           "gdb", "grub-mkrescue", "xorriso"]
HELP_SECONDS = 10  # per script; --help does no work, a build would take minutes


def fail(message, output=""):
    if output:
        print(output)
    print(f"FAIL: {message}")
    sys.exit(1)


class Sandbox:
    """A temporary directory with a bin/ of stub tools. path() is a PATH:
    the stubs (all of STUBBED, or those named) before the real PATH, or
    with only=... a PATH of nothing but links to the named real tools."""

    def __init__(self, tmp):
        self.bin = os.path.join(tmp, "bin")
        self.log = os.path.join(tmp, "stubs-ran.log")
        os.mkdir(self.bin)

    def stub(self, *tools):
        for tool in tools:
            path = os.path.join(self.bin, tool)
            with open(path, "w") as f:
                f.write(f'#!/bin/sh\necho "{tool} $*" >>"{self.log}"\nexit 1\n')
            os.chmod(path, 0o755)

    def link(self, *tools):
        for tool in tools:
            real = shutil.which(tool)
            if real is None:
                fail(f"{tool} is not on PATH, and this test needs it")
            os.symlink(real, os.path.join(self.bin, tool))

    def ran(self):
        return open(self.log).read().strip() if os.path.exists(self.log) else ""

    def run(self, cmd, path, cwd, **env):
        # The caller's STAGEOS_CMDLINE would change what run.sh and debug.sh do.
        environment = {key: value for key, value in os.environ.items() if key != "STAGEOS_CMDLINE"}
        environment.update(PATH=path, **env)
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=cwd, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace", timeout=120)
        return proc.returncode, proc.stdout, time.monotonic() - start


def expect(result, status, *messages, sandbox=None):
    code, output, _ = result
    if code != status:
        fail(f"exit status {code}, expected {status}", output)
    for message in messages:
        if message not in output:
            fail(f"the output does not say {message!r}", output)
    if sandbox is not None and sandbox.ran():
        fail(f"a tool that builds, installs or boots ran: {sandbox.ran()}", output)
    print(output.rstrip())


def case_help(box, source, build):
    box.stub(*STUBBED)
    scripts = sorted(glob.glob(os.path.join(source, "scripts", "*.sh")) +
                     glob.glob(os.path.join(source, "scripts", "*.py")) +
                     [os.path.join(source, "tests", "gdb", "gdb_driver.py")])
    path = box.bin + os.pathsep + os.environ["PATH"]
    total = 0.0
    for script in scripts:
        name = os.path.relpath(script, source)
        if not os.access(script, os.X_OK):
            fail(f"{name} is not executable")
        code, output, seconds = box.run([script, "--help"], path, cwd=build)
        total += seconds
        if code != 0:
            fail(f"{name} --help exited {code}", output)
        if not any(line.lower().startswith("usage:") for line in output.splitlines()):
            fail(f"{name} --help printed no line starting with 'usage:'", output)
        if box.ran():
            fail(f"{name} --help ran {box.ran()}", output)
        if seconds > HELP_SECONDS:
            fail(f"{name} --help took {seconds:.1f} s (more than {HELP_SECONDS} s)", output)
        print(f"{name} --help: usage printed, exit 0, {seconds:.2f} s")
    print(f"PASS: {len(scripts)} scripts, {total:.2f} s in all, no tool ran")


def case_test_sh_no_match(box, source, build):
    # From the build directory's parent, with a path relative to it: test.sh
    # must find the build directory from where it was run.
    box.stub("cmake", "apt-get", "sudo")
    parent, name = os.path.split(os.path.abspath(build))
    result = box.run([os.path.join(source, "scripts", "test.sh"), "--build-dir", name, "-L", "nosuchlabel"],
                     box.bin + os.pathsep + os.environ["PATH"], cwd=parent, STAGEOS_SKIP_SETUP="1")
    expect(result, 1, f"test.sh: no test of {os.path.join(parent, name)} matches '-L nosuchlabel'",
           sandbox=box)
    if "passed" in result[1]:
        fail("test.sh said 'passed' although no test ran", result[1])


def case_test_sh_bad_option(box, source, build):
    box.stub("cmake", "ctest", "apt-get", "sudo")
    result = box.run([os.path.join(source, "scripts", "test.sh"), "--build-dir", build, "--frobnicate"],
                     box.bin + os.pathsep + os.environ["PATH"], cwd=build)
    expect(result, 2, "test.sh: unknown option '--frobnicate'", sandbox=box)


def case_setup_no_apt(box, source, build):
    # A machine without apt-get and dpkg-query that has CMake and GCC.
    box.link("dirname", "cmake", "gcc")
    result = box.run([shutil.which("bash"), os.path.join(source, "scripts", "setup.sh")], box.bin, cwd=build)
    expect(result, 1, "apt-get and dpkg-query not found", "qemu-system-x86 ovmf gdb python3",
           "not on PATH now: ", "STAGEOS_SKIP_SETUP=1")
    missing = next(line for line in result[1].splitlines() if "not on PATH now:" in line).split(":", 2)[2].split()
    if "qemu-system-x86_64" not in missing or "cmake" in missing or "gcc" in missing:
        fail(f"the tools named missing are {missing}: qemu-system-x86_64 is missing, cmake and gcc are not")


def case_setup_skipped(box, source, build):
    box.stub("apt-get", "dpkg-query", "sudo", "clang")
    result = box.run([os.path.join(source, "scripts", "setup.sh")], box.bin + os.pathsep + os.environ["PATH"],
                     cwd=build, STAGEOS_SKIP_SETUP="1")
    expect(result, 0, "setup: skipped (STAGEOS_SKIP_SETUP=1)", sandbox=box)


def case_run_sh_no_qemu(box, source, build):
    box.link("dirname", "bash")  # run.sh runs setup.sh with bash
    box.stub("cmake", "gcc")
    result = box.run([shutil.which("bash"), os.path.join(source, "scripts", "run.sh")], box.bin, cwd=build,
                     STAGEOS_SKIP_SETUP="1")
    expect(result, 1, "run.sh: qemu-system-x86_64 (QEMU, which boots the kernel) is not installed or not on "
           "PATH: run scripts/setup.sh", sandbox=box)


def case_debug_sh_no_gdb(box, source, build):
    box.link("dirname")
    box.stub("qemu-system-x86_64")
    result = box.run([shutil.which("bash"), os.path.join(source, "scripts", "debug.sh"), "--build-dir", build],
                     box.bin, cwd=build)
    expect(result, 1, "debug.sh: gdb (the debugger) is not installed or not on PATH: run scripts/setup.sh",
           sandbox=box)


def case_debug_sh_cmdline(box, source, build):
    # Relative to the caller's directory, as for test.sh: debug.sh reads the
    # ISO's grub.cfg there, or it would say that the files do not exist.
    box.stub("cmake", "apt-get", "sudo", "qemu-system-x86_64", "gdb")
    parent, name = os.path.split(os.path.abspath(build))
    result = box.run([os.path.join(source, "scripts", "debug.sh"), "--build-dir", name],
                     box.bin + os.pathsep + os.environ["PATH"], cwd=parent, STAGEOS_CMDLINE="exit frobnicate")
    expect(result, 2, "debug.sh: STAGEOS_CMDLINE is 'exit frobnicate', but", "was built with",
           "--build-dir (and the qemu-gdb target) boot the ISO as it is", sandbox=box)


CASES = {
    "help": case_help,
    "test-sh-no-match": case_test_sh_no_match,
    "test-sh-bad-option": case_test_sh_bad_option,
    "setup-no-apt": case_setup_no_apt,
    "setup-skipped": case_setup_skipped,
    "run-sh-no-qemu": case_run_sh_no_qemu,
    "debug-sh-no-gdb": case_debug_sh_no_gdb,
    "debug-sh-cmdline": case_debug_sh_cmdline,
}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in CASES:
        sys.exit(f"usage: test_scripts.py CASE SOURCE_DIR BUILD_DIR (CASE one of {', '.join(CASES)})")
    with tempfile.TemporaryDirectory(prefix="stageos-scripts-") as tmp:
        CASES[sys.argv[1]](Sandbox(tmp), os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
