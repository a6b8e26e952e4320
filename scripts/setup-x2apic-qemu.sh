#!/usr/bin/env bash
# setup-x2apic-qemu.sh - makes sure the x2APIC boot tests have a QEMU that
# emulates x2APIC under TCG (QEMU 8.1 or later). setup.sh runs it last.
#
# usage: scripts/setup-x2apic-qemu.sh [--print-path]
#
#   --print-path   print the QEMU the x2APIC tests use (nothing if there is
#                  none) and change nothing
#
# The system's qemu-system-x86_64 is used when it is 8.1 or later (Ubuntu
# 24.04, Debian 13). Debian 12 ships QEMU 7.2, whose TCG has no x2APIC:
# there this script takes qemu-system-x86, qemu-system-common,
# qemu-system-data and seabios from bookworm-backports with apt-get download
# (apt checks them against Debian's archive key), and unpacks them with
# dpkg -x into $STAGEOS_CACHE_DIR/qemu-x2apic (default
# ~/.cache/stageos/qemu-x2apic). The system's own sources and packages are
# not touched: apt reads a private sources list and keeps its lists in that
# directory, and the system QEMU stays the one every other test uses. The
# unpacked QEMU runs on the libraries the system QEMU already pulled in.
#
# It fetches from the mirror the machine's own sources use for bookworm.
# Elsewhere (older QEMU, no backports known), or when the fetch fails, it
# says so and exits 0: the x2APIC tests then report themselves skipped,
# with the reason.
set -euo pipefail
. "$(dirname "$0")/lib/script-support.sh"
exit_with_help_if_asked "$0" "$@"

print_only=no
case "${1-}" in
  --print-path) print_only=yes ;;
  "") ;;
  *) echo "setup-x2apic-qemu.sh: unknown option '$1' (known: --print-path --help)" >&2; exit 2 ;;
esac

cache_dir="${STAGEOS_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/stageos}/qemu-x2apic"
wrapper="$cache_dir/bin/qemu-system-x86_64"

# qemu_at_least_8_1 BINARY: whether BINARY runs and says it is QEMU 8.1+.
qemu_at_least_8_1() {
  local version
  version=$("$1" --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p') || return 1
  [ -n "$version" ] || return 1
  set -- $version
  [ "$1" -gt 8 ] || { [ "$1" -eq 8 ] && [ "$2" -ge 1 ]; }
}

system_qemu=$(command -v qemu-system-x86_64 || true)
if [ -n "$system_qemu" ] && qemu_at_least_8_1 "$system_qemu"; then
  [ $print_only = yes ] && echo "$system_qemu"
  exit 0
fi
if [ -x "$wrapper" ] && qemu_at_least_8_1 "$wrapper"; then
  [ $print_only = yes ] && echo "$wrapper"
  exit 0
fi
[ $print_only = yes ] && exit 0

codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME-}")
if [ "$codename" != bookworm ] || ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
  echo "setup: no QEMU 8.1 or later here (${system_qemu:-none on PATH}) and no backports known for" \
       "'${codename:-this system}': the x2APIC boot tests (ctest -L x2apic) will be skipped" >&2
  exit 0
fi

# The Debian mirror this machine's own sources use for bookworm (a
# deb822 .sources file or a one-line sources.list), else deb.debian.org.
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {u = $2} /^Suites:/ && / bookworm( |$)/ && u != "" {print u; exit}' \
          /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

echo "setup: QEMU ${system_qemu:+$("$system_qemu" --version | head -1 | sed 's/.*version //') }has no x2APIC under TCG;" \
     "fetching QEMU from bookworm-backports into $cache_dir for the x2APIC boot tests"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
mirror=$(debian_mirror)
echo "deb $mirror bookworm-backports main" >"$work/sources.list"
apt_private=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/none"
             -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
             -o "APT::Sandbox::User=$(id -un)")
# This QEMU serves two tests; without it they report themselves skipped.
# So a network or mirror failure here is a warning, not the end of set-up.
if ! apt-get "${apt_private[@]}" update -qq ||
   ! (cd "$work/debs" && apt-get "${apt_private[@]}" download -qq \
        qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports \
        qemu-system-data/bookworm-backports seabios/bookworm-backports); then
  echo "setup: warning: could not fetch QEMU from $mirror bookworm-backports (see above):" \
       "the x2APIC boot tests (ctest -L x2apic) will be skipped" >&2
  exit 0
fi

rm -rf "$cache_dir.new"
mkdir -p "$cache_dir.new/bin"
for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$cache_dir.new/root"
done
# The wrapper points QEMU at its own firmware (-L: the backports SeaBIOS
# first) and its own modules, so nothing of the system QEMU 7.2 is mixed in
# where the two differ.
cat >"$cache_dir.new/bin/qemu-system-x86_64" <<'EOF'
#!/bin/sh
# Written by scripts/setup-x2apic-qemu.sh: QEMU from bookworm-backports,
# unpacked beside this directory, for StageOS's x2APIC boot tests.
root=$(dirname "$0")/../root
QEMU_MODULE_DIR="$root/usr/lib/x86_64-linux-gnu/qemu" exec "$root/usr/bin/qemu-system-x86_64" \
  -L "$root/usr/share/seabios" -L "$root/usr/share/qemu" "$@"
EOF
chmod +x "$cache_dir.new/bin/qemu-system-x86_64"
missing_libs=$(ldd "$cache_dir.new/root/usr/bin/qemu-system-x86_64" | sed -n 's/^\s*\(\S*\) => not found$/\1/p' | tr '\n' ' ')
if [ -n "$missing_libs" ]; then
  echo "setup-x2apic-qemu.sh: the backports QEMU needs libraries this machine lacks: $missing_libs" >&2
  exit 1
fi
if ! qemu_at_least_8_1 "$cache_dir.new/bin/qemu-system-x86_64"; then
  echo "setup-x2apic-qemu.sh: the unpacked QEMU does not run or is older than 8.1:" >&2
  "$cache_dir.new/bin/qemu-system-x86_64" --version >&2 || true
  exit 1
fi
rm -rf "$cache_dir"
mv "$cache_dir.new" "$cache_dir"
echo "setup: $("$wrapper" --version | head -1) ready at $wrapper"
