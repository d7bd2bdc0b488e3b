#!/usr/bin/env bash
# Formats glip's C++ files in place with the repository's .clang-format (clang-format 14, Debian's clang-format
# package; another version formats some constructs differently). The ctest `format` checks the same files.
#   scripts/format.sh            every file of include/ src/ tools/ tests/
#   scripts/format.sh FILE...    only these
set -euo pipefail
cd "$(dirname "$0")/.."
CF=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$CF" ] || { echo "format.sh: clang-format not found: apt-get install clang-format" >&2; exit 2; }
"$CF" --version | grep -q "version 14\." || echo "format.sh: warning: $("$CF" --version) is not clang-format 14" >&2
if [ $# -gt 0 ]; then
  "$CF" -i --style=file "$@"
else
  find include src tools tests -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \) \
    -not -path 'tests/fuzz/corpus/*' -not -path 'tests/fuzz/regressions/*' -print0 |
    xargs -0 "$CF" -i --style=file
fi
