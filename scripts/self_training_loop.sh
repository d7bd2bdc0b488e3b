#!/usr/bin/env bash
# GLIP's teacher-to-student loop (paper section 3.3) on the synthetic world: the README's main job runs it after
# setup and build (scripts/main_job.sh); 11-13 minutes on the 2-core VM (docs/benchmarks.md, Self-training loop).
#   1 render the world (configs/synthetic_world.yaml, seed GLIP_MAIN_SEED) into $OUT/world
#   2 pre-train the visual body on the gold boxes (glip_pretrain, configs/pretrain_synthetic.yaml): the world's
#     analogue of the ImageNet weights every official GLIP starts from
#   3 train the teacher on the gold splits from that body (configs/tiny_synthetic.yaml)
#   4 pseudo-label the web split with the teacher (glip_pseudolabel) into $OUT/world/pseudo
#   5 train the student: the teacher's weights trained on gold + pseudo (configs/student_synthetic.yaml), and beside
#     it (one compute thread each, so both cores work) the control: the teacher's weights trained as long on gold
#     only (configs/control_synthetic.yaml), so that what the pseudo-labels add is told apart from what more
#     training adds; each line of their logs is prefixed with [student] or [control]
#   6 evaluate teacher, control and student on the held-out Flickr30K-, LVIS- and COCO-format splits
#   7 print a side-by-side table and write $OUT/teacher_vs_student.png
# Every step shows its progress; the elapsed time is printed before each. GLIP_MAIN_OUT (default out) moves it;
# GLIP_MAIN_SEED=N (default 0) seeds the world, the pre-training and every training (scripts/self_training_seeds.sh
# runs several).
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

step "1/7 rendering the synthetic world (configs/synthetic_world.yaml, seed $SEED) into $OUT/world"
# A previous run's outputs go first: glip_pseudolabel skips shards it finds finished (exactly-once restarts),
# so labels of an older teacher would otherwise be kept.
rm -rf "$OUT/body" "$OUT/teacher" "$OUT/student" "$OUT/control" "$OUT/eval" "$OUT/world/pseudo"
"$TOOLS/glip_synth" --out "$OUT/world" --seed "$SEED" --config configs/synthetic_world.yaml

step "2/7 pre-training the visual body on the gold boxes (configs/pretrain_synthetic.yaml)"
"$TOOLS/glip_pretrain" --config configs/pretrain_synthetic.yaml --data-root "$OUT/world" --work-dir "$OUT/body" \
  --set seed="$SEED" --set solver.seed="$SEED"
BODY="$OUT/body/model_final.safetensors"

step "3/7 training the teacher on the gold splits (configs/tiny_synthetic.yaml)"
"$TOOLS/glip_train" --config configs/tiny_synthetic.yaml --data-root "$OUT/world" --work-dir "$OUT/teacher" \
  --set seed="$SEED" --set solver.seed="$SEED" --set model.backbone_weight="$BODY"
TEACHER="$OUT/teacher/model_final.safetensors"

step "4/7 pseudo-labelling the web split with the teacher into $OUT/world/pseudo"
"$TOOLS/glip_pseudolabel" --config configs/tiny_synthetic.yaml --checkpoint "$TEACHER" \
  --input "$OUT/world/web" --out "$OUT/world/pseudo" --set pseudo.progress_interval_s=5

step "5/7 training, side by side, the student from the teacher on gold + pseudo (configs/student_synthetic.yaml)" \
  "and the control on gold only, as long (configs/control_synthetic.yaml)"
# Each run is deterministic for its seed and thread count, so running them together changes no number.
train_from_teacher() {  # NAME CONFIG
  "$TOOLS/glip_train" --config "$2" --data-root "$OUT/world" --work-dir "$OUT/$1" --set seed="$SEED" \
    --set solver.seed="$SEED" --weights "$TEACHER" 2>&1 | sed -u "s/^/[$1] /"
}
train_from_teacher student configs/student_synthetic.yaml &
STUDENT_PID=$!
train_from_teacher control configs/control_synthetic.yaml &
CONTROL_PID=$!
STATUS=0
wait "$STUDENT_PID" || STATUS=1
wait "$CONTROL_PID" || STATUS=1
[ "$STATUS" = 0 ] || { echo "the student or the control failed (its lines above are prefixed with its name)" >&2; exit 1; }

step "6/7 evaluating teacher, control and student on the held-out Flickr30K-, LVIS- and COCO-format splits"
for model in teacher control student; do
  for dataset in synth_flickr synth_lvis synth_coco; do
    echo "-- $model on $dataset"
    "$TOOLS/glip_eval" --config configs/tiny_synthetic.yaml --checkpoint "$OUT/$model/model_final.safetensors" \
      --dataset "$dataset" --data-root "$OUT/world" --out "$OUT/eval/$model"   # writes OUT/eval/MODEL/DATASET/
  done
done

step "7/7 teacher vs control vs student"
metrics() { echo "$OUT/eval/$1/synth_flickr/metrics.json,$OUT/eval/$1/synth_lvis/metrics.json"; }
"$TOOLS/glip_compare" --run "teacher=$(metrics teacher)" --run "control=$(metrics control)" \
  --run "student=$(metrics student)" \
  --title "teacher, control (gold only) and student (gold + pseudo) on the held-out splits (synthetic world)" \
  --png "$OUT/teacher_vs_student.png" --markdown "$OUT/teacher_vs_student.md" \
  --key "metrics/recall/1/all=Flickr R@1" --key "metrics/recall/5/all=Flickr R@5" \
  --key "metrics/AP=LVIS AP" --key "metrics/APr=LVIS APr (rare)" --key "metrics/APc=LVIS APc" \
  --key "metrics/APf=LVIS APf"
echo "table: $OUT/teacher_vs_student.md, plot: $OUT/teacher_vs_student.png, pseudo-label report: $OUT/world/pseudo/report.txt"
echo "== done in $(( $(date +%s) - T0 )) s"
