#!/usr/bin/env bash
# Runs one fuzz target (tests/fuzz/fuzz_TARGET.cpp) with libFuzzer for SECONDS seconds:
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags]       (scripts/fuzz.sh list: the targets)
# Configures build-fuzz (clang, -DGLIP_FUZZ=ON, ASan + UBSan) when needed and builds only that target. Starts from
# the committed seeds (tests/fuzz/corpus/TARGET) plus what earlier runs found (build-fuzz/corpus/TARGET, where new
# inputs go). A finding is written to build-fuzz/findings/TARGET/; commit it under tests/fuzz/regressions/TARGET/
# (ctest replays it in the normal build) and fix the bug. GLIP_JOBS: build jobs (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TARGETS="coco mdetr jsonl pickle pth safetensors tar flickr_xml yaml_config image tokenizer"
TARGET=${1:?usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags] (targets: $TARGETS)}
if [ "$TARGET" = list ]; then echo "$TARGETS"; exit 0; fi
SECS=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
shift 2
[ -f "tests/fuzz/fuzz_$TARGET.cpp" ] || { echo "no fuzz target '$TARGET' (targets: $TARGETS)" >&2; exit 2; }
BUILD_DIR=${GLIP_FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release -DGLIP_UNITY_BUILD=ON \
    -DGLIP_FUZZ=ON -DGLIP_SANITIZE=address,undefined >/dev/null
fi
cmake --build "$BUILD_DIR" -j "${GLIP_JOBS:-1}" --target "fuzz_$TARGET"
source scripts/sanitizer_env.sh
corpus="$ROOT/$BUILD_DIR/corpus/$TARGET" findings="$ROOT/$BUILD_DIR/findings/$TARGET"
mkdir -p "$corpus" "$findings" "$ROOT/$BUILD_DIR/fuzz-work"
cd "$ROOT/$BUILD_DIR/fuzz-work"  # readers resolve relative paths (a config's _base_) against this folder
exec "$ROOT/$BUILD_DIR/tests/fuzz/fuzz_$TARGET" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$findings/" "$@" "$corpus" "$ROOT/tests/fuzz/corpus/$TARGET"
