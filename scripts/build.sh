#!/usr/bin/env bash
# Configures and builds glip in ${GLIP_BUILD_DIR:-build} (Release). Extra arguments go to cmake.
# A unity build (GLIP_UNITY_BUILD) by default: about half the time of a fresh build; GLIP_UNITY_BUILD=OFF in the
# environment keeps one object per source, which suits a development folder rebuilt after small edits.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GLIP_BUILD_DIR:-build}
JOBS=${GLIP_JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DGLIP_UNITY_BUILD="${GLIP_UNITY_BUILD:-ON}" "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
