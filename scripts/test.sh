#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite. This is what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test  # the build's packages and the test-only ones (python3-torch)
bash scripts/build.sh
cd "${GLIP_BUILD_DIR:-build}"
ctest --output-on-failure -j "${GLIP_JOBS:-$(nproc)}" --timeout 900
