#!/usr/bin/env bash
# setup.sh - installs what building, booting and testing StageOS needs, on a
# Debian or Ubuntu machine, with apt-get and without questions. Idempotent:
# when every package is already present it only checks and returns.
#
# usage: scripts/setup.sh [--browser]
#
#   --browser   also Chromium, for the optional browser test of the memory
#               pictures (ctest -L browser; about 40 s and 350 MB, so not
#               by default)
#
# Last it runs setup-x2apic-qemu.sh, which makes sure the x2APIC boot tests
# have a QEMU 8.1 or later (on Debian 12: one from bookworm-backports,
# unpacked into ~/.cache/stageos, the system QEMU left as it is).
#
# run.sh, test.sh and debug.sh run it first. With STAGEOS_SKIP_SETUP=1 it
# checks and installs nothing (a machine set up by other means); the scripts
# then name any tool they miss.
#
# Without apt-get and dpkg-query (not Debian or Ubuntu) it lists the Debian
# packages and the tools missing from PATH, and exits 1: install their
# equivalents with your package manager, then run the scripts with
# STAGEOS_SKIP_SETUP=1.
set -euo pipefail
. "$(dirname "$0")/lib/script-support.sh"
exit_with_help_if_asked "$0" "$@"

packages=(
  cmake make gcc libc6-dev          # host builds and the GCC kernel build
  clang lld llvm                     # the Clang kernel build
  libcmocka-dev pkg-config           # host unit tests
  grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools  # the ISO
  qemu-system-x86 ovmf               # booting it, BIOS and UEFI
  gdb python3                        # debugging and the GDB tests
  python3-matplotlib                 # the boot benchmark's plot (scripts/bench-boot.py --stages)
  ccache                             # the labs' tests: student trees share the reference's objects
)
case "${1-}" in
  --browser) packages+=(chromium) ;;  # tests/viz/test_browser.py
  "") ;;
  *) echo "setup.sh: unknown option '$1' (known: --browser --help)" >&2; exit 2 ;;
esac

if [ "${STAGEOS_SKIP_SETUP-}" = 1 ]; then
  echo "setup: skipped (STAGEOS_SKIP_SETUP=1): no package checked or installed" >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  # The commands the build, the boots and the tests run, one per package
  # above, so that the message can say what this machine lacks.
  missing_tools=()
  for tool in cmake make gcc clang ld.lld llvm-ar pkg-config grub-mkrescue xorriso mformat \
              qemu-system-x86_64 gdb python3; do
    command -v "$tool" >/dev/null 2>&1 || missing_tools+=("$tool")
  done
  {
    echo "setup.sh: apt-get and dpkg-query not found: this script installs with apt-get (Debian, Ubuntu)."
    echo "setup.sh: install the equivalents of these Debian packages with your package manager:"
    echo "  ${packages[*]}"
    if [ ${#missing_tools[@]} -gt 0 ]; then
      echo "setup.sh: not on PATH now: ${missing_tools[*]}"
    fi
    echo "setup.sh: UEFI boots also need OVMF at /usr/share/OVMF/OVMF_CODE_4M.fd and OVMF_VARS_4M.fd."
    echo "setup.sh: then run the scripts with STAGEOS_SKIP_SETUP=1 (for example STAGEOS_SKIP_SETUP=1 scripts/test.sh)."
  } >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  # dpkg-query prints "install ok installed" only for fully installed packages.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
# Only when something is missing: a complete machine needs neither root nor sudo.
need_root() {
  if [ ${#sudo_cmd[@]} -gt 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "setup.sh: $* must be installed, which needs root, and sudo is not installed: run scripts/setup.sh as root" >&2
    exit 1
  fi
}
export DEBIAN_FRONTEND=noninteractive
updated=no
install() {
  echo "setup: installing $*"
  need_root "$*"
  if [ $updated = no ]; then
    "${sudo_cmd[@]}" apt-get update -qq
    updated=yes
  fi
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ${#missing[@]} -gt 0 ]; then
  install "${missing[@]}"
fi

# Clang's sanitizer and libFuzzer runtimes come in a package named after the
# Clang version (libclang-rt-14-dev on Debian 12), so ask the installed Clang.
if [ ! -f "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
  install "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
fi
[ $updated = yes ] && echo "setup: done"
# The x2APIC boot tests need QEMU 8.1 or later; Debian 12 has 7.2, so this
# fetches a newer one beside it (not instead of it) when it has to.
"$(dirname "$0")/setup-x2apic-qemu.sh"
exit 0
