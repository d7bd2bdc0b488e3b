#!/usr/bin/env bash
# check_area_links.sh NM AREA=ARCHIVE=REACH,... ...   (ctest `area_links`; cmake/GlipLayers.cmake)
# The link-level half of the layering: fails when the objects of an area's static library use (leave undefined) a
# glip symbol that no area it may reach defines but another area does, i.e. code that calls across a missing
# arrow, whatever its #includes say. Symbols defined outside glip (LibTorch, the standard library) are not judged.
set -euo pipefail
nm_bin=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
areas=()
declare -A reach
for spec in "$@"; do
  IFS='=' read -r area file r <<<"$spec"
  [[ -f $file ]] || { echo "area_links: $area: no library at $file (build first)" >&2; exit 2; }
  areas+=("$area")
  reach[$area]=${r//,/ }
  # glip's own symbols: the mangled names of namespace glip contain "4glip".
  "$nm_bin" -g --defined-only "$file" 2>/dev/null | awk 'NF >= 3 && $3 ~ /4glip/ { print $3 }' | sort -u >"$tmp/$area.def"
  "$nm_bin" -u "$file" 2>/dev/null | awk '$NF ~ /4glip/ { print $NF }' | sort -u >"$tmp/$area.und"
done
demangle() { if command -v c++filt >/dev/null; then c++filt; else cat; fi; }
bad=0
for area in "${areas[@]}"; do
  allowed=("$tmp/$area.def")
  for r in ${reach[$area]}; do
    [[ -f $tmp/$r.def ]] && allowed+=("$tmp/$r.def")
  done
  sort -u "${allowed[@]}" >"$tmp/allowed"
  comm -23 "$tmp/$area.und" "$tmp/allowed" >"$tmp/missing"
  while read -r sym; do
    owners=""
    for other in "${areas[@]}"; do
      if grep -qxF -- "$sym" "$tmp/$other.def"; then owners+=" $other"; fi
    done
    if [[ -n $owners ]]; then
      echo "  $area uses$owners: $(echo "$sym" | demangle)"
      bad=$((bad + 1))
    fi
  done <"$tmp/missing"
done
if ((bad > 0)); then
  echo "area_links: $bad uses of symbols across a missing arrow (cmake/GlipLayers.cmake); add the arrow there if" \
    "it is meant, else move the code" >&2
  exit 1
fi
echo "area_links: ${#areas[@]} area libraries, every glip symbol they use is defined in an area they may reach"
