#!/usr/bin/python3
"""Writes large synthetic annotation files for timing the dataset readers (docs/benchmarks.md, "Data path").

  make_large_annotations.py --images N --out DIR
writes DIR/mdetr.json (MDETR final_mixed_train layout: images with a caption, annotations with an xywh bbox and
tokens_positive spans, as GoldG) and DIR/odvg.jsonl (one ODVG grounding line per image, as Objects365/GoldG
converted by ODVG tools). 5 boxes per image, captions of ~80 characters; ~1.1 KB per image in MDETR.
"""
import argparse
import json
import os
import random
import shutil

WORDS = ["red", "blue", "green", "small", "large", "striped", "dotted", "star", "ring", "heart", "square", "cross",
         "man", "woman", "dog", "horse", "table", "window", "car", "tree"]


def caption_and_spans(rng):
    phrases = [f"a {rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(5)]
    caption, spans = "", []
    for k, p in enumerate(phrases):
        if k:
            caption += " next to "
        spans.append([len(caption), len(caption) + len(p)])
        caption += p
    return caption + ".", spans


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    ann_id = 0
    with open(os.path.join(a.out, "mdetr.json"), "w") as m, open(os.path.join(a.out, "odvg.jsonl"), "w") as o:
        m.write('{"info": {"description": "synthetic"}, "categories": [{"id": 1, "name": "object"}], "images": [')
        anns = []
        for i in range(a.images):
            cap, spans = caption_and_spans(rng)
            w, h = rng.randint(300, 1000), rng.randint(300, 1000)
            im = {"file_name": f"{i:09d}.jpg", "height": h, "width": w, "id": i, "caption": cap,
                  "dataset_name": "synthetic", "tokens_negative": [[0, len(cap)]], "original_img_id": i}
            m.write(("," if i else "") + json.dumps(im))
            regions = []
            for s in spans:
                x, y = rng.uniform(0, w / 2), rng.uniform(0, h / 2)
                bw, bh = rng.uniform(5, w / 2), rng.uniform(5, h / 2)
                box = [round(x, 2), round(y, 2), round(bw, 2), round(bh, 2)]
                anns.append({"area": round(bw * bh, 2), "iscrowd": 0, "image_id": i, "category_id": 1, "id": ann_id,
                             "bbox": box, "tokens_positive": [s]})
                ann_id += 1
                regions.append({"bbox": [box[0], box[1], round(box[0] + bw, 2), round(box[1] + bh, 2)],
                                "phrase": cap[s[0]:s[1]], "tokens_positive": [s]})
            o.write(json.dumps({"filename": f"{i:09d}.jpg", "height": h, "width": w,
                                "grounding": {"caption": cap, "regions": regions}}) + "\n")
            if len(anns) > 100000 or i + 1 == a.images:  # annotations go after all images: spill to a side file
                with open(os.path.join(a.out, "anns.part"), "a") as p:
                    p.write("".join("," + json.dumps(x) for x in anns))
                anns = []
        m.write('], "annotations": [')
        with open(os.path.join(a.out, "anns.part")) as p:
            p.read(1)  # the leading comma
            shutil.copyfileobj(p, m)
        os.remove(os.path.join(a.out, "anns.part"))
        m.write("]}\n")


if __name__ == "__main__":
    main()
