#!/usr/bin/env bash
# Configures and builds glip in ${GLIP_BUILD_DIR:-build} (Release). Extra arguments go to cmake.
# A unity build (GLIP_UNITY_BUILD) by default: about half the time of a fresh build; GLIP_UNITY_BUILD=OFF in the
# environment keeps one object per source, which suits a development folder rebuilt after small edits.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GLIP_BUILD_DIR:-build}
JOBS=${GLIP_JOBS:-$(nproc)}
# Ninja for a new build folder when it is installed (scripts/setup.sh installs it): it compiles an area's sources
# while the areas it links are still being archived, where Make waits for each library target to finish, which
# made the per-area library 15% slower to build fresh (docs/architecture.md, Build). An existing folder keeps its
# generator; CMAKE_GENERATOR in the environment chooses another.
GEN=()
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ] && [ -z "${CMAKE_GENERATOR:-}" ] && command -v ninja >/dev/null 2>&1; then
  GEN=(-G Ninja)
fi
cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DGLIP_UNITY_BUILD="${GLIP_UNITY_BUILD:-ON}" "$@" \
  >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
