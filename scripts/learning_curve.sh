#!/usr/bin/env bash
# The learning curve of a training config: trains it once with a checkpoint every PERIOD steps, evaluates every
# checkpoint on the held-out splits and prints one table row per checkpoint (docs/benchmarks.md, "Learning curve").
#   bash scripts/learning_curve.sh CONFIG DATA_ROOT OUT [PERIOD=100] [--set KEY=VALUE ...]
# Columns: steps, training seconds up to that step (logged step times x steps), held-out COCO AP / AP50 (eval dataset synth_coco),
# LVIS AP / APr / APc / APf (synth_lvis), Flickr R@1 (synth_flickr), one-phrase probe accuracy and mean margin on
# synth_coco (glip_eval --phrase-probe). Datasets the config does not declare are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
CFG=$1; ROOT=$2; OUT=$3; PERIOD=${4:-100}; shift $(( $# >= 4 ? 4 : 3 ))
T=${GLIP_BUILD_DIR:-build}/tools
mkdir -p "$OUT"
"$T/glip_train" --config "$CFG" --data-root "$ROOT" --work-dir "$OUT/run" --set solver.checkpoint_period="$PERIOD" \
  --set solver.checkpoint_keep=1000 "$@" > "$OUT/train.log" 2>&1
have() { "$T/glip_eval" --config "$OUT/run/config.yaml" --dump-config | grep -q "name: $1\$"; }
printf '| steps | train s | COCO AP | COCO AP50 | LVIS AP | APr | APc | APf | Flickr R@1 | probe acc | probe margin |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for ck in $(ls "$OUT"/run/model_0*.safetensors | sort); do
  it=$(basename "$ck" .safetensors | sed 's/model_0*//')
  ev="$OUT/eval/$it"
  for d in synth_coco synth_lvis synth_flickr; do
    have "$d" && "$T/glip_eval" --config "$OUT/run/config.yaml" --checkpoint "$ck" --dataset "$d" --data-root "$ROOT" \
      --out "$ev" > /dev/null 2>&1
  done
  have synth_coco && "$T/glip_eval" --config "$OUT/run/config.yaml" --checkpoint "$ck" --dataset synth_coco \
    --data-root "$ROOT" --out "$ev/probe" --phrase-probe > /dev/null 2>&1
  python3 - "$OUT" "$ev" "$it" <<'PY'
import json, os, sys
out, ev, it = sys.argv[1], sys.argv[2], int(sys.argv[3])
def m(path, *keys):
    try:
        v = json.load(open(path))
        for k in keys: v = v[k]
        return "%.3f" % v
    except (OSError, KeyError, TypeError): return "-"
# Training seconds up to `it`: each logged step's time stands for the steps since the previous log.
total, prev = 0.0, 0
for line in open(os.path.join(out, "run", "metrics.jsonl")):
    j = json.loads(line)
    if "seconds" in j and "iteration" in j and j["iteration"] <= it:
        total += j["seconds"] * (j["iteration"] - prev)
        prev = j["iteration"]
secs = "%.0f" % total
acc = m(ev + "/probe/synth_coco/phrase_probe.json", "accuracy")
mar = m(ev + "/probe/synth_coco/phrase_probe.json", "mean_margin")
c, l, f = ev + "/synth_coco/metrics.json", ev + "/synth_lvis/metrics.json", ev + "/synth_flickr/metrics.json"
print("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (it, secs, m(c, "metrics", "AP"), m(c, "metrics", "AP50"),
      m(l, "metrics", "AP"), m(l, "metrics", "APr"), m(l, "metrics", "APc"), m(l, "metrics", "APf"),
      m(f, "metrics", "recall", "1", "all"), acc, mar))
PY
done
