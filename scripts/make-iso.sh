#!/usr/bin/env bash
# make-iso.sh - one bootable StageOS ISO (the build runs it for every ISO).
#
# usage: scripts/make-iso.sh OUT.iso KERNEL.elf GRUB.cfg [MODULE...]
#
# Lays out an ISO tree (boot/stageos.elf, boot/grub/grub.cfg, boot/modules/)
# and runs grub-mkrescue, which makes one hybrid image that boots under
# BIOS and UEFI when both GRUB platforms are installed. grub-mkrescue is
# chatty, so its output is shown only when it fails.
set -euo pipefail
. "$(dirname "$0")/lib/script-support.sh"
exit_with_help_if_asked "$0" "$@"
if [ $# -lt 3 ]; then
  echo "make-iso.sh: expected OUT.iso KERNEL.elf GRUB.cfg [MODULE...], got $# argument(s) (see --help)" >&2
  exit 2
fi
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
require_tool make-iso.sh grub-mkrescue "GRUB's ISO maker"
require_tool make-iso.sh xorriso "which grub-mkrescue writes the ISO with"
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
