#!/usr/bin/env bash
# Builds glip with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan (-DGLIP_SANITIZE=address,undefined:
# glip's own code is instrumented, LibTorch is not) and runs the unit, parity and robustness tests there.
#   GLIP_SANITIZE_LABELS  ctest label regex (default "unit|parity|robustness")
#   GLIP_SANITIZE_TARGETS build only these targets (space-separated; default: everything)
#   GLIP_SANITIZE_REGEX   only the tests matching this ctest -R regex
#   GLIP_JOBS             build and ctest jobs (default: nproc)
# Suppressions (reports inside uninstrumented libraries) live in tests/sanitizers/; see docs/robustness.md.
# Tests are listed when ctest runs (PRE_TEST), not after each link: an instrumented binary on a loaded machine can
# take longer to list its tests than the build allows.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GLIP_BUILD_DIR:-build-asan}
JOBS=${GLIP_JOBS:-$(nproc)}
source scripts/sanitizer_env.sh  # also for the build: gtest_discover_tests runs each test executable
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DGLIP_UNITY_BUILD="${GLIP_UNITY_BUILD:-ON}" \
  -DGLIP_SANITIZE=address,undefined -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST "$@" >/dev/null
if [ -n "${GLIP_SANITIZE_TARGETS:-}" ]; then
  # shellcheck disable=SC2086
  cmake --build "$BUILD_DIR" -j "$JOBS" --target $GLIP_SANITIZE_TARGETS
else
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi
cd "$BUILD_DIR"
args=(-L "${GLIP_SANITIZE_LABELS:-unit|parity|robustness}")
[ -n "${GLIP_SANITIZE_REGEX:-}" ] && args+=(-R "$GLIP_SANITIZE_REGEX")
ctest --output-on-failure -j "$JOBS" --timeout 1800 "${args[@]}"
