#!/usr/bin/env bash
# The README's main job. For now: set up, build, render the synthetic grounding world into out/world
# (configs/synthetic_world.yaml, seed 0), print its statistics and the preview path. Later issues extend it to the teacher-to-student loop.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GLIP_BUILD_DIR:-build}
bash scripts/setup.sh
bash scripts/build.sh
echo "== rendering the synthetic world (configs/synthetic_world.yaml, seed 0) into out/world"
"$BUILD_DIR/tools/glip_synth" --out out/world --seed 0 --config configs/synthetic_world.yaml
