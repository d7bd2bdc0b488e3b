#!/usr/bin/env bash
# The README's main job: set up, build, then GLIP's teacher-to-student loop on the synthetic world
# (scripts/self_training_loop.sh: render the world, pre-train the visual body, train the teacher on the gold
# splits, pseudo-label the web split, train the student on gold + pseudo and a control on gold only, evaluate them
# on the held-out splits, print the table and write out/teacher_vs_student.png). GLIP_SKIP_BUILD=1 skips setup and
# build; GLIP_MAIN_OUT moves out/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/self_training_loop.sh
