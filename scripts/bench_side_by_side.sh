#!/usr/bin/env bash
# Times glip's parts and the official GLIP modules on the same input, with the same threads, one after the other
# in one run, and prints each ratio (issue #20; results in docs/benchmarks.md, "Side by side with the official
# modules"). By hand only: the official side needs Python (CI never runs it).
#   scripts/bench_side_by_side.sh [BUILD_DIR]        (default build)
# Environment: GLIP_HARNESS (default ../shared/reference/official_harness) and GLIP_REFS (the official sources,
# see the harness README; it also needs python3-opencv and python3-regex), THREADS (2), REPEATS (1 timed run
# after one warm-up on both sides; the best is kept), PARTS (default "fusion t l": one fusion block, whole GLIP-T,
# whole GLIP-L; the whole-model runs give BERT, Swin + FPN and the fused head + post-processing too), RAW_LOG
# (where every run's own output is appended; default side_by_side_raw.log in the current folder).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
export GLIP_HARNESS="${GLIP_HARNESS:-$root/../shared/reference/official_harness}"
: "${GLIP_REFS:?set GLIP_REFS to the folder of the official sources (see $GLIP_HARNESS/README.md)}"
export GLIP_REFS
threads="${THREADS:-2}" repeats="${REPEATS:-1}" parts="${PARTS:-fusion t l}" raw="${RAW_LOG:-side_by_side_raw.log}"
py=/usr/bin/python3
bench="$build/tools/glip_bench_model"
[[ -x "$bench" ]] || { echo "error: $bench not found: build first (scripts/build.sh)" >&2; exit 2; }
[[ -f "$GLIP_HARNESS/time_official.py" ]] || { echo "error: no official harness at $GLIP_HARNESS" >&2; exit 2; }

rows=()
row() { rows+=("$(printf '| %s | %.2f s | %.2f s | %.2fx |' "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)")"); }
num() { sed -n "s/.*$1 \([0-9.]*\) s.*/\1/p" | head -1; }           # "<label> 1.23 s" in our output
jnum() { $py -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); threads $threads;" \
     "repeats $repeats; $(date -u '+%Y-%m-%d %H:%M UTC'); glip $(git -C "$root" rev-parse --short HEAD)"
for part in $parts; do
  case "$part" in
    fusion)
      ours=$("$bench" --part fusion --threads "$threads" --repeat "$repeats" | tee -a "$raw" |
               sed -n 's/^part fusion: \([0-9.]*\) s.*/\1/p')
      off=$($py "$root/scripts/bench/official_fusion.py" "$threads" "$repeats" 2>/dev/null | tee -a "$raw" |
              jnum seconds)
      row "one fusion block (GLIP-T, 22,400 pixels x 256 tokens)" "$ours" "$off" ;;
    t|l)
      name=$([[ $part == t ]] && echo GLIP-T || echo GLIP-L)
      out=$("$bench" --part model --config "$root/configs/model/glip_$part.yaml" --threads "$threads" \
              --repeat "$repeats" | tee -a "$raw" | grep '^model ')
      off=$(cd "$GLIP_HARNESS" && $py time_official.py "$part" "$threads" "$repeats" 2>/dev/null | tail -1)
      echo "$off" >> "$raw"
      bb=$([[ $part == t ]] && echo "Swin-T + FPN" || echo "Swin-L + FPN")
      ours_bb=$(echo "$out" | num "backbone"); ours_lang=$(echo "$out" | num "language")
      ours_rest=$(echo "$out" | num "rest"); ours_all=$(echo "$out" | sed -n 's/.*: \([0-9.]*\) s forward.*/\1/p')
      row "$name: BERT" "$ours_lang" "$(echo "$off" | jnum bert_s)"
      row "$name: $bb" "$ours_bb" "$(echo "$off" | jnum swin_fpn_s)"
      row "$name: DyHead with fusion + post-processing" "$ours_rest" "$(echo "$off" | jnum dyhead_fusion_post_s)"
      row "$name: whole forward" "$ours_all" "$(echo "$off" | jnum total_s)" ;;
    *) echo "error: unknown part '$part' (fusion, t, l)" >&2; exit 2 ;;
  esac
done
echo
echo "| part | glip | official | official / glip |"
echo "|---|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "each run's own output: $raw"
