#!/bin/sh
# The command-line contract of one glip tool: $1 = the built tool, then one case per argument:
#   "CODE|NEEDLE|ARGS"  run the tool with ARGS (split on spaces; @TMP@ = a fresh temp folder) and expect:
#                       CODE 0: exit 0 and NEEDLE on stdout (e.g. --help prints "Usage:");
#                       CODE 64: exit 64, nothing on stdout, "usage error", "Usage:" and NEEDLE on stderr;
#                       other CODE: exit CODE, nothing on stdout, "error" and NEEDLE on stderr, and no @TMP@/out.
#   "file|NAME|TEXT"    write TEXT to @TMP@/NAME (for --config files with bad keys, stale docs ...).
# Fails with every wrong case listed.
set -u
T="$1"; shift
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
failures=0
fail() { echo "FAIL: $(basename "$T") $*"; failures=$((failures + 1)); }
has() { grep -qF -- "$1" "$2"; }
for c in "$@"; do
  code=${c%%|*}; rest=${c#*|}; needle=${rest%%|*}; args=$(printf '%s' "${rest#*|}" | sed "s#@TMP@#$W#g")
  if [ "$code" = file ]; then printf '%s\n' "$args" > "$W/$needle"; continue; fi
  rm -rf "$W/out"
  # shellcheck disable=SC2086  # ARGS are meant to be split
  "$T" $args > "$W/stdout" 2> "$W/stderr"; rc=$?
  what="[$args]"
  [ "$rc" -eq "$code" ] || { fail "$what: exit $rc, expected $code; stderr: $(head -c 400 "$W/stderr")"; continue; }
  case "$code" in
    0) has "$needle" "$W/stdout" || fail "$what: '$needle' not on stdout" ;;
    64) [ -s "$W/stdout" ] && fail "$what: wrote to stdout on a usage error"
        has "usage error" "$W/stderr" && has "Usage:" "$W/stderr" || fail "$what: no usage on stderr"
        has "$needle" "$W/stderr" || fail "$what: '$needle' not on stderr: $(head -c 400 "$W/stderr")" ;;
    *) [ -s "$W/stdout" ] && fail "$what: wrote to stdout on an error"
       has "error" "$W/stderr" || fail "$what: no error message on stderr"
       has "$needle" "$W/stderr" || fail "$what: '$needle' not on stderr: $(head -c 400 "$W/stderr")"
       [ -e "$W/out" ] && fail "$what: left $W/out behind after failing" ;;
  esac
done
[ "$failures" -eq 0 ] || exit 1
echo "$(basename "$T"): $# cases passed"
