#!/usr/bin/env bash
# The self-training loop (scripts/self_training_loop.sh) for several seeds, and one table of teacher vs student with
# the mean and the spread over the seeds (issue #15: the student must beat its teacher on the held-out concepts,
# LVIS APr, in every seed; the control shows how much of that the pseudo-labels give). Assumes the build is done
# (scripts/build.sh).
#   bash scripts/self_training_seeds.sh [SEED ...]        (default: 0 1 2)
# GLIP_SEEDS_OUT (default out/seeds) holds one loop output per seed (seedN/, its log in seedN.log); the table is
# printed and written to GLIP_SEEDS_OUT/table.md. Each seed takes one main job's time (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${GLIP_SEEDS_OUT:-out/seeds}
SEEDS=("$@")
[ ${#SEEDS[@]} -gt 0 ] || SEEDS=(0 1 2)
mkdir -p "$BASE"
for s in "${SEEDS[@]}"; do
  [[ "$s" =~ ^[0-9]+$ ]] || { echo "self_training_seeds.sh: a seed must be a non-negative integer, got '$s'" >&2; exit 2; }
done
for s in "${SEEDS[@]}"; do
  echo "== seed $s: scripts/self_training_loop.sh -> $BASE/seed$s (log $BASE/seed$s.log)"
  t0=$(date +%s)
  if ! GLIP_SKIP_BUILD=1 GLIP_MAIN_SEED="$s" GLIP_MAIN_OUT="$BASE/seed$s" bash scripts/self_training_loop.sh \
      > "$BASE/seed$s.log" 2>&1; then
    echo "seed $s failed; the end of its log:" >&2
    tail -n 20 "$BASE/seed$s.log" >&2
    exit 1
  fi
  echo "   done in $(( $(date +%s) - t0 )) s"
done
python3 - "$BASE" "${SEEDS[@]}" <<'PY' | tee "$BASE/table.md"
import json, math, os, sys
base, seeds = sys.argv[1], sys.argv[2:]
# (label, model, dataset, key); a model "a-b" is the difference of the two runs.
# COCO "AP seen" / "AP held-out": the mean per-category AP over the shapes the gold splits box / over the shapes
# they never show (one-word held-out concepts of world.json, e.g. diamond).
cols = [("teacher COCO AP seen", "teacher", "synth_coco", "AP seen"),
        ("control COCO AP seen", "control", "synth_coco", "AP seen"),
        ("student COCO AP seen", "student", "synth_coco", "AP seen"),
        ("teacher COCO AP held-out", "teacher", "synth_coco", "AP held-out"),
        ("student COCO AP held-out", "student", "synth_coco", "AP held-out"),
        ("teacher LVIS APr", "teacher", "synth_lvis", "APr"), ("control LVIS APr", "control", "synth_lvis", "APr"),
        ("student LVIS APr", "student", "synth_lvis", "APr"),
        ("APr gain over teacher", "student-teacher", "synth_lvis", "APr"),
        ("APr gain over control", "student-control", "synth_lvis", "APr"),
        ("teacher LVIS AP", "teacher", "synth_lvis", "AP"), ("student LVIS AP", "student", "synth_lvis", "AP"),
        ("teacher Flickr R@1", "teacher", "synth_flickr", "recall/1/all"),
        ("student Flickr R@1", "student", "synth_flickr", "recall/1/all")]
def metric(seed, model, dataset, key):
    if "-" in model:
        a, b = model.split("-")
        return metric(seed, a, dataset, key) - metric(seed, b, dataset, key)
    path = os.path.join(base, "seed" + seed, "eval", model, dataset, "metrics.json")
    v = json.load(open(path))["metrics"]
    if key.startswith("AP "):
        world = os.path.join(base, "seed" + seed, "world")
        heldout = set(json.load(open(os.path.join(world, "world.json")))["heldout_concepts"])
        cats = json.load(open(os.path.join(world, "eval/coco/instances.json")))["categories"]
        names = {str(c["id"]): c["name"] for c in cats}
        want = [c for c, n in names.items() if (n in heldout) == (key == "AP held-out")]
        aps = [v["per_category_AP"][c] for c in want if v["per_category_AP"].get(c, -1) >= 0]
        return sum(aps) / len(aps) if aps else float("nan")
    for k in key.split("/"):
        v = v[k]
    return float(v)
rows = []
for s in seeds:
    row = []
    for name, model, dataset, key in cols:
        row.append(metric(s, model, dataset, key))
    rows.append(row)
# Columns no seed has a number for (COCO AP held-out in a world without a held-out shape) are left out.
keep = [i for i in range(len(cols)) if any(not math.isnan(r[i]) for r in rows)]
named = {c[0]: i for i, c in enumerate(cols)}
gains, control, teacher_ap = ([r[named[k]] for r in rows] for k in
                              ("APr gain over teacher", "APr gain over control", "teacher COCO AP seen"))
cols, rows = [cols[i] for i in keep], [[r[i] for i in keep] for r in rows]
print("| seed | " + " | ".join(c[0] for c in cols) + " |")
print("|---:|" + "---:|" * len(cols))
for s, row in zip(seeds, rows):
    cells = ("%+.3f" % v if "-" in cols[i][1] else "%.3f" % v for i, v in enumerate(row))
    print("| %s | " % s + " | ".join(cells) + " |")
n = len(rows)
mean = [sum(r[i] for r in rows) / n for i in range(len(cols))]
sd = [math.sqrt(sum((r[i] - mean[i]) ** 2 for r in rows) / (n - 1)) if n > 1 else 0.0 for i in range(len(cols))]
print("| mean | " + " | ".join("%.3f" % v for v in mean) + " |")
print("| spread (sample sd) | " + " | ".join("%.3f" % v for v in sd) + " |")
print("\nstudent beats teacher on LVIS APr by >= 0.03 in %d of %d seeds (min gain %+.3f); "
      "teacher COCO AP (seen shapes) >= 0.5 in %d of %d"
      % (sum(g >= 0.03 for g in gains), n, min(gains), sum(a >= 0.5 for a in teacher_ap), n))
print("student beats the control (as long on gold only) on LVIS APr by >= 0.03 in %d of %d seeds (min gain %+.3f)"
      % (sum(g >= 0.03 for g in control), n, min(control)))
PY
