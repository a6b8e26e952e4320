#!/usr/bin/env bash
# debug.sh - debug StageOS with GDB: QEMU starts stopped at the first
# instruction, GDB attaches with the kernel's symbols and the StageOS
# commands (scripts/gdb/stageos.py) and runs to mm_switch_to_kernel_tables,
# the CR3 switch. Installs what is missing, configures and builds first (GCC
# preset, like run.sh). QEMU ends when GDB quits.
#
#   scripts/debug.sh                        BIOS, machine pc, 256 MiB
#   scripts/debug.sh --break kernel_main    stop at another function first
#   scripts/debug.sh --uefi --q35           firmware and machine, as run.sh
#   scripts/debug.sh -- -m 8G               anything after -- goes to QEMU
#   scripts/debug.sh --qemu-only            start QEMU and wait; attach your own GDB
#   scripts/debug.sh --build-dir DIR        use DIR's kernel and ISO as they are
#                                           (no set-up, no build: the qemu-gdb target)
#   STAGEOS_CMDLINE="selftest" scripts/debug.sh    another kernel command line
#
# The kernel's serial output goes to <build dir>/gdb/serial.log (GDB's
# `serial-log` command shows its end), QEMU's own messages to qemu.log there.
# See docs/11-gdb.md.
#
# If QEMU ends by itself while GDB runs (or, with --qemu-only, at all), the
# script says why (scripts/qemu_status.py) and exits 0 only for status 33:
# 35 the kernel panicked, 0 the CPU reset (triple fault). Otherwise it exits
# with GDB's status.
set -euo pipefail
cd "$(dirname "$0")/.."

firmware=bios machine=pc break_at=mm_switch_to_kernel_tables build_dir="" qemu_only=no
while [ $# -gt 0 ]; do
  case "$1" in
    --uefi) firmware=uefi ;;
    --bios) firmware=bios ;;
    --q35) machine=q35 ;;
    --pc) machine=pc ;;
    --break) shift; break_at="${1:?debug.sh: --break needs a function name}" ;;
    --build-dir) shift; build_dir="${1:?debug.sh: --build-dir needs a directory}" ;;
    --qemu-only) qemu_only=yes ;;
    --) shift; break ;;
    *) echo "debug.sh: unknown option '$1'" \
            "(known: --uefi --bios --q35 --pc --break F --build-dir D --qemu-only --)" >&2
       exit 2 ;;
  esac
  shift
done

if [ -z "$build_dir" ]; then
  bash scripts/setup.sh
  cmake --preset gcc -DSTAGEOS_CMDLINE="${STAGEOS_CMDLINE-}" >/dev/null
  cmake --build --preset gcc --target iso-stageos
  build_dir=build/gcc
fi
build_dir=$(cd "$build_dir" && pwd)
elf=$build_dir/src/stageos.elf
iso=$build_dir/stageos.iso
for f in "$elf" "$iso"; do
  if [ ! -f "$f" ]; then
    echo "debug.sh: $f does not exist: build it first (cmake --build $build_dir)" >&2
    exit 1
  fi
done

work=$build_dir/gdb
mkdir -p "$work"
serial_log=$work/serial.log
gdbinit=$work/stageos.gdbinit
: >"$serial_log"

# A free port: bind port 0 and let the operating system choose. (Another program
# could take it before QEMU does; QEMU then says so in qemu.log.)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

reset_log=$work/qemu-reset.log
# -no-reboot: a triple fault ends QEMU (status 0); -d cpu_reset: QEMU's reset
# log, which records "Triple fault" (scripts/qemu_status.py reads it).
args=(-machine "$machine" -cpu max -m 256M -accel tcg -display none -vga none -monitor none
      -no-reboot -d cpu_reset -D "$reset_log"
      -serial "file:$serial_log" -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -cdrom "$iso" -boot d
      -S -gdb "tcp:127.0.0.1:$port")
if [ "$firmware" = uefi ]; then
  vars=$work/OVMF_VARS.fd
  cp /usr/share/OVMF/OVMF_VARS_4M.fd "$vars"
  args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
         -drive "if=pflash,format=raw,unit=1,file=$vars")
fi

# setsid: QEMU gets its own session, so Ctrl-C in GDB (interrupt the
# kernel) does not reach QEMU and kill it.
setsid qemu-system-x86_64 "${args[@]}" "$@" </dev/null >"$work/qemu.log" 2>&1 &
qemu_pid=$!
trap 'kill "$qemu_pid" 2>/dev/null || true' EXIT

# Wait (at most 10 s) until QEMU listens on the port: /proc/net/tcp lists
# listening sockets with state 0A and the port in hex. (Not by connecting:
# QEMU's GDB server would take that for a debugger.)
wait_for_listener() {
  python3 - "$port" "$qemu_pid" <<'EOF'
import os, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 10
while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}"):
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
                sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
EOF
}
if ! wait_for_listener; then
  echo "debug.sh: QEMU is not listening on port $port; qemu.log says:" >&2
  cat "$work/qemu.log" >&2
  exit 1
fi

sed -e "s|@KERNEL_ELF@|$elf|g" -e "s|@STAGEOS_PY@|$PWD/scripts/gdb/stageos.py|g" \
    -e "s|@SERIAL_LOG@|$serial_log|g" -e "s|@PORT@|$port|g" -e "s|@BREAK@|$break_at|g" \
    scripts/gdb/gdbinit.in >"$gdbinit"

echo "debug.sh: QEMU ($firmware, $machine) waits for GDB on 127.0.0.1:$port; serial output in $serial_log"
# How QEMU ended, once it has: only 33 is success.
report_qemu_end() {
  local status=0
  wait "$qemu_pid" || status=$?
  python3 scripts/qemu_status.py debug.sh "$status" "$reset_log"
}
if [ "$qemu_only" = yes ]; then
  echo "debug.sh: attach with: gdb -x $gdbinit   (Ctrl-C here stops QEMU)"
  report_qemu_end
  exit
fi
gdb_status=0
gdb -q -x "$gdbinit" || gdb_status=$?
# GDB hears of QEMU's end (e.g. "exited normally") a moment before QEMU
# has exited: give it a second before deciding that QEMU still runs.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  kill -0 "$qemu_pid" 2>/dev/null || break
  sleep 0.1
done
if ! kill -0 "$qemu_pid" 2>/dev/null; then
  report_qemu_end # QEMU ended while GDB ran
  exit
fi
exit "$gdb_status"
