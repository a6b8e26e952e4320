#!/usr/bin/env bash
# Installs what building, booting and testing the kernel needs, on a
# Debian/Ubuntu machine, with apt-get and without questions. Idempotent:
# when every package is already present it only checks and returns.
#
#   scripts/setup.sh --browser   also Chromium, for the optional browser test
#                                of the memory pictures (ctest -L browser;
#                                about 40 s and 350 MB, so not by default)
set -euo pipefail

packages=(
  cmake make gcc libc6-dev          # host builds and the GCC kernel build
  clang lld llvm                     # the Clang kernel build
  libcmocka-dev pkg-config           # host unit tests
  grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools  # the ISO
  qemu-system-x86 ovmf               # booting it, BIOS and UEFI
  gdb python3                        # debugging and the GDB tests
  python3-matplotlib                 # the boot benchmark's plot (scripts/bench-boot.py --stages)
)
case "${1-}" in
  --browser) packages+=(chromium) ;;  # tests/viz/test_browser.py
  "") ;;
  *) echo "setup.sh: unknown option '$1' (known: --browser)" >&2; exit 2 ;;
esac

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
export DEBIAN_FRONTEND=noninteractive
updated=no
install() {
  echo "setup: installing $*"
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
exit 0
