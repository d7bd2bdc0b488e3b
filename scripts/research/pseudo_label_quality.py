#!/usr/bin/env python3
"""How right are a teacher's pseudo-labels? Compares glip_pseudolabel's shards with the boxes glip_synth drew behind
the web captions (WORLD/web_truth/odvg.jsonl, which the loop never reads).

  python3 scripts/research/pseudo_label_quality.py WORLD PSEUDO_DIR

A pseudo box is right when its IoU with a true box of the same caption phrase (the truth region whose span overlaps
the phrase's span) is >= 0.5. Precision: right boxes / pseudo boxes. Recall: true regions with a right pseudo box /
true regions. Both over every phrase, and over the phrases that name a held-out concept (every word of the concept in
the phrase, the concepts of WORLD/world.json) and the others. Standard library only.
"""
import glob
import json
import os
import sys


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def overlaps(span, spans):
    return any(s < span[1] and span[0] < e for s, e in spans)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    world, pseudo_dir = sys.argv[1], sys.argv[2]
    truth_path = os.path.join(world, "web_truth", "odvg.jsonl")
    truth = [json.loads(line) for line in open(truth_path)]
    heldout = [c.split() for c in json.load(open(os.path.join(world, "world.json")))["heldout_concepts"]]
    names_heldout = lambda text: any(all(w in text.split() for w in c) for c in heldout)
    stats = {k: {"boxes": 0, "right": 0, "regions": 0, "found": 0} for k in ("all", "held-out", "seen")}
    images = 0
    for shard in sorted(glob.glob(os.path.join(pseudo_dir, "*.jsonl"))):
        for line in open(shard):
            p = json.loads(line)
            t = truth[int(p["key"])]
            if t["grounding"]["caption"] != p["caption"]:
                sys.exit("%s: key %s has caption %r, the truth %r" % (shard, p["key"], p["caption"],
                                                                       t["grounding"]["caption"]))
            images += 1
            regions = t["grounding"]["regions"]
            found = [False] * len(regions)
            for ph in p["phrases"]:
                mine = [i for i, r in enumerate(regions) if overlaps(ph["span"], r["tokens_positive"])]
                kind = "held-out" if names_heldout(ph["text"]) else "seen"
                for box in ph["boxes"]:
                    hits = [i for i in mine if iou(box, regions[i]["bbox"]) >= 0.5]
                    for k in ("all", kind):
                        stats[k]["boxes"] += 1
                        stats[k]["right"] += bool(hits)
                    for i in hits:
                        found[i] = True
            for i, r in enumerate(regions):
                kind = "held-out" if names_heldout(r["phrase"]) else "seen"
                for k in ("all", kind):
                    stats[k]["regions"] += 1
                    stats[k]["found"] += found[i]
    print("pseudo-labels %s against %s: %d labelled images" % (pseudo_dir, truth_path, images))
    print("| phrases | pseudo boxes | precision (IoU >= 0.5, same phrase) | true regions | recall |")
    print("|---|---:|---:|---:|---:|")
    for k, s in stats.items():
        print("| %s | %d | %.3f | %d | %.3f |" % (k, s["boxes"], s["right"] / max(1, s["boxes"]), s["regions"],
                                                 s["found"] / max(1, s["regions"])))


if __name__ == "__main__":
    main()
