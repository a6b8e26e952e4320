#!/usr/bin/env bash
# run.sh - boot StageOS in QEMU with the serial console on this terminal.
# Installs what is missing, configures and builds first (GCC preset).
#
#   scripts/run.sh                 BIOS, machine pc, 256 MiB
#   scripts/run.sh --uefi --q35    UEFI (OVMF) on q35
#   STAGEOS_CMDLINE="selftest" scripts/run.sh    another kernel command line
#   STAGEOS_BUILD_DIR=DIR scripts/run.sh         build in DIR, not build/gcc
#   scripts/run.sh -- -m 1G        anything after -- goes to QEMU
#
# Without `exit` on the command line the kernel starts the MM monitor after
# KERNEL OK: `help` lists its commands, `quit` ends QEMU (status 33). Ctrl-A
# then X also quits QEMU (counted as a quit by hand). It also runs without a
# terminal (stdin and stdout redirected), e.g. from a test.
#
# Exit status: 0 only when the kernel ended QEMU with status 33 (`exit` on
# the command line and KERNEL OK, or `quit` at the monitor). Otherwise 1, and one line says why
# (scripts/qemu_status.py): the kernel panicked (35), the CPU reset (triple
# fault) (0, with QEMU's reset log recording it), QEMU was quit by hand
# (0 without a triple fault), or QEMU failed.
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

build_dir=${STAGEOS_BUILD_DIR:-build/gcc}
cmake --preset gcc -B "$build_dir" -DSTAGEOS_CMDLINE="${STAGEOS_CMDLINE-}" >/dev/null
cmake --build "$build_dir" --parallel 2 --target iso-stageos

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# -no-reboot: a triple fault ends QEMU (status 0) instead of booting again;
# -d cpu_reset: QEMU's reset log, which records "Triple fault".
args=(-machine "$machine" -cpu max -m 256M -accel tcg -display none -vga none
      -no-reboot -d cpu_reset -D "$work/qemu-reset.log"
      -serial mon:stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -cdrom "$build_dir/stageos.iso" -boot d)
if [ "$firmware" = uefi ]; then
  cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/OVMF_VARS.fd"
  args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
         -drive "if=pflash,format=raw,unit=1,file=$work/OVMF_VARS.fd")
fi
echo "run.sh: booting $build_dir/stageos.iso ($firmware, $machine)"
case " ${STAGEOS_CMDLINE-} " in
  *" exit "*) echo "run.sh: 'exit' is on the command line: QEMU ends when the boot does" ;;
  *) echo "run.sh: after KERNEL OK, the prompt 'stageos> ' takes monitor commands: 'help' lists them," \
          "'quit' ends QEMU (or Ctrl-A then X)" ;;
esac
status=0
qemu-system-x86_64 "${args[@]}" "$@" || status=$?
# Only 33 (the kernel's `exit` after KERNEL OK) is success; the script
# names every other ending and exits 1.
python3 scripts/qemu_status.py run.sh "$status" "$work/qemu-reset.log"
