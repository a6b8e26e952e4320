# script-support.sh - what the shell scripts in scripts/ share (sourced, not
# run): --help printed from the script's own header comment, a message that
# names a missing tool, and paths taken relative to the caller's directory.

# exit_with_help_if_asked SCRIPT ARGS...: when -h or --help comes before any
# `--` in ARGS, print SCRIPT's header comment (the lines after #! up to the
# first line that is not a comment, without their '# ') and exit 0. The
# header is the help, so the two cannot drift apart.
exit_with_help_if_asked() {
  local script=$1 arg
  shift
  for arg in "$@"; do
    case "$arg" in
      --) return 0 ;;
      -h | --help)
        sed -n '2,/^[^#]/{/^#/{s/^# \{0,1\}//;p}}' "$script"
        exit 0
        ;;
    esac
  done
}

# require_tool NAME TOOL WHAT: stop (status 1) with a message naming TOOL
# and what it is for when TOOL is not on PATH. NAME is the calling script.
require_tool() {
  if ! command -v "$2" >/dev/null 2>&1; then
    echo "$1: $2 ($3) is not installed or not on PATH: run scripts/setup.sh" >&2
    exit 1
  fi
}

# absolute_path PATH: PATH taken relative to the current directory. Scripts
# call it before they change directory, so that every path a user gives is
# relative to where the user ran the script.
absolute_path() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}
