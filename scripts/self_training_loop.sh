#!/usr/bin/env bash
# GLIP's teacher-to-student loop (paper section 3.3) on the synthetic world: the README's main job runs it after
# setup and build (scripts/main_job.sh); ~10-15 minutes on the 2-core VM (docs/benchmarks.md, Self-training loop).
#   1 render the world (configs/synthetic_world.yaml, seed GLIP_MAIN_SEED) into $OUT/world
#   2 train the teacher on the gold splits (configs/tiny_synthetic.yaml)
#   3 pseudo-label the web split with the teacher (glip_pseudolabel) into $OUT/world/pseudo
#   4 train the student on gold + pseudo (configs/student_synthetic.yaml)
#   5 evaluate both on the held-out Flickr30K-, LVIS- and COCO-format splits (configs/tiny_synthetic.yaml)
#   6 print a side-by-side table and write $OUT/teacher_vs_student.png
# Every step shows its progress; the elapsed time is printed before each. GLIP_MAIN_OUT (default out) moves it;
# GLIP_MAIN_SEED=N (default 0) seeds the world and both trainings (scripts/self_training_seeds.sh runs several).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GLIP_BUILD_DIR:-build}
OUT=${GLIP_MAIN_OUT:-out}
SEED=${GLIP_MAIN_SEED:-0}
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "GLIP_MAIN_SEED must be a non-negative integer, got '$SEED'" >&2; exit 2; }
TOOLS="$BUILD_DIR/tools"
if [ "${GLIP_SKIP_BUILD:-0}" != 1 ]; then
  bash scripts/setup.sh
  bash scripts/build.sh
fi
T0=$(date +%s)
step() { echo; echo "== [$(( $(date +%s) - T0 )) s] $*"; }

step "1/6 rendering the synthetic world (configs/synthetic_world.yaml, seed $SEED) into $OUT/world"
# A previous run's outputs go first: glip_pseudolabel skips shards it finds finished (exactly-once restarts),
# so labels of an older teacher would otherwise be kept.
rm -rf "$OUT/teacher" "$OUT/student" "$OUT/eval" "$OUT/world/pseudo"
"$TOOLS/glip_synth" --out "$OUT/world" --seed "$SEED" --config configs/synthetic_world.yaml

step "2/6 training the teacher on the gold splits (configs/tiny_synthetic.yaml)"
"$TOOLS/glip_train" --config configs/tiny_synthetic.yaml --data-root "$OUT/world" --work-dir "$OUT/teacher" \
  --set seed="$SEED"

step "3/6 pseudo-labelling the web split with the teacher into $OUT/world/pseudo"
"$TOOLS/glip_pseudolabel" --config configs/tiny_synthetic.yaml --checkpoint "$OUT/teacher/model_final.safetensors" \
  --input "$OUT/world/web" --out "$OUT/world/pseudo" --set pseudo.progress_interval_s=5

step "4/6 training the student on gold + pseudo (configs/student_synthetic.yaml)"
"$TOOLS/glip_train" --config configs/student_synthetic.yaml --data-root "$OUT/world" --work-dir "$OUT/student" \
  --set seed="$SEED"

step "5/6 evaluating teacher and student on the held-out Flickr30K-, LVIS- and COCO-format splits"
for model in teacher student; do
  for dataset in synth_flickr synth_lvis synth_coco; do
    echo "-- $model on $dataset"
    "$TOOLS/glip_eval" --config configs/tiny_synthetic.yaml --checkpoint "$OUT/$model/model_final.safetensors" \
      --dataset "$dataset" --data-root "$OUT/world" --out "$OUT/eval/$model"   # writes OUT/eval/MODEL/DATASET/
  done
done

step "6/6 teacher vs student"
metrics() { echo "$OUT/eval/$1/synth_flickr/metrics.json,$OUT/eval/$1/synth_lvis/metrics.json"; }
"$TOOLS/glip_compare" --run "teacher=$(metrics teacher)" --run "student=$(metrics student)" \
  --title "teacher vs student on the held-out splits (synthetic world)" \
  --png "$OUT/teacher_vs_student.png" --markdown "$OUT/teacher_vs_student.md" \
  --key "metrics/recall/1/all=Flickr R@1" --key "metrics/recall/5/all=Flickr R@5" \
  --key "metrics/recall/10/all=Flickr R@10" --key "metrics/AP=LVIS AP" \
  --key "metrics/APr=LVIS APr (rare)" --key "metrics/APc=LVIS APc" --key "metrics/APf=LVIS APf"
echo "table: $OUT/teacher_vs_student.md, plot: $OUT/teacher_vs_student.png, pseudo-label report: $OUT/world/pseudo/report.txt"
echo "== done in $(( $(date +%s) - T0 )) s"
