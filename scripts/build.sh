#!/usr/bin/env bash
# Configures and builds glip in ${GLIP_BUILD_DIR:-build} (Release). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GLIP_BUILD_DIR:-build}
JOBS=${GLIP_JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
