#!/usr/bin/env bash
# Installs what building, booting and testing the kernel needs, on a
# Debian/Ubuntu machine, with apt-get and without questions. Idempotent:
# when every package is already present it only checks and returns.
set -euo pipefail

packages=(
  cmake make gcc libc6-dev          # host builds and the GCC kernel build
  clang lld llvm                     # the Clang kernel build
  libcmocka-dev pkg-config           # host unit tests
  grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools  # the ISO
  qemu-system-x86 ovmf               # booting it, BIOS and UEFI
  gdb python3                        # debugging and the GDB tests
)

missing=()
for p in "${packages[@]}"; do
  # dpkg-query prints "install ok installed" only for fully installed packages.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
