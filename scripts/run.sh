#!/usr/bin/env bash
# run.sh - boot StageOS in QEMU with the serial console on this terminal.
# Installs what is missing, configures and builds first (GCC preset).
#
#   scripts/run.sh                 BIOS, machine pc, 256 MiB
#   scripts/run.sh --uefi --q35    UEFI (OVMF) on q35
#   STAGEOS_CMDLINE="selftest" scripts/run.sh    another kernel command line
#   scripts/run.sh -- -m 1G        anything after -- goes to QEMU
#
# Quit QEMU with Ctrl-A then X.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

firmware=bios machine=pc
while [ $# -gt 0 ]; do
  case "$1" in
    --uefi) firmware=uefi ;;
    --bios) firmware=bios ;;
    --q35) machine=q35 ;;
    --pc) machine=pc ;;
    --) shift; break ;;
    *) echo "run.sh: unknown option '$1' (known: --uefi --bios --q35 --pc --)" >&2; exit 2 ;;
  esac
  shift
done

cmake --preset gcc -DSTAGEOS_CMDLINE="${STAGEOS_CMDLINE-}" >/dev/null
cmake --build --preset gcc --target iso-stageos

args=(-machine "$machine" -cpu max -m 256M -accel tcg -display none -vga none -no-reboot
      -serial mon:stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -cdrom build/gcc/stageos.iso -boot d)
if [ "$firmware" = uefi ]; then
  vars=$(mktemp)
  trap 'rm -f "$vars"' EXIT
  cp /usr/share/OVMF/OVMF_VARS_4M.fd "$vars"
  args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
         -drive "if=pflash,format=raw,unit=1,file=$vars")
fi
echo "run.sh: booting build/gcc/stageos.iso ($firmware, $machine); quit with Ctrl-A then X"
status=0
qemu-system-x86_64 "${args[@]}" "$@" || status=$?
# With `exit` on the command line the kernel ends QEMU: 33 means all good.
case $status in
  0|33) exit 0 ;;
  35) echo "run.sh: the kernel panicked (QEMU exit status 35)" >&2; exit 1 ;;
  *) exit "$status" ;;
esac
