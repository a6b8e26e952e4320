#!/usr/bin/env bash
# make-iso.sh OUT.iso KERNEL.elf GRUB.cfg [MODULE...]
# Lays out an ISO tree (boot/stageos.elf, boot/grub/grub.cfg, boot/modules/)
# and runs grub-mkrescue, which makes one hybrid image that boots under
# BIOS and UEFI when both GRUB platforms are installed. grub-mkrescue is
# chatty, so its output is shown only when it fails.
set -euo pipefail
out=$1 kernel=$2 cfg=$3
shift 3
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/boot/grub" "$tree/boot/modules"
cp "$kernel" "$tree/boot/stageos.elf"
cp "$cfg" "$tree/boot/grub/grub.cfg"
for m in "$@"; do
  cp "$m" "$tree/boot/modules/"
done
for platform in i386-pc x86_64-efi; do
  if [ ! -d "/usr/lib/grub/$platform" ]; then
    echo "make-iso.sh: GRUB for $platform is missing (/usr/lib/grub/$platform); run scripts/setup.sh" >&2
    exit 1
  fi
done
if ! log=$(grub-mkrescue -o "$out" "$tree" 2>&1); then
  echo "$log" >&2
  echo "make-iso.sh: grub-mkrescue failed" >&2
  exit 1
fi
