#!/usr/bin/python3
"""Where does the trained tiny GLIP lose the class of an object? (docs/training.md, "Where the class is lost")

Loads a glip checkpoint of the tiny Swin model (configs/model/glip_tiny.yaml; the checkpoint's keys are the official
state-dict keys) into the official GeneralizedVLRCNN, runs it on the gold detection split of a synthetic world (the
training objects) and on its held-out COCO-format split with the prompt "circle. square. ..." (all categories, in
id order), and at the centre cell of every ground-truth box on P3 and P4 measures:
  - how much of the variance of the tower's visual feature q (the vector the alignment head dots with the tokens)
    lies between the classes;
  - the accuracy of a linear classifier (logistic regression) trained on q of the training objects, tested on the
    held-out ones: is the class there to be read?
  - the accuracy of the model's own class-token logits at that cell, per object size.
Research tool, not run by CI: it needs the official code through ../shared/reference/official_harness (set-up in its
README: Debian's python3-torch and REFS unpacked):
    GLIP_REFS=/path/to/REFS /usr/bin/python3 scripts/research/probe_head_features.py CHECKPOINT WORLD [TRAIN_IMAGES]
"""
import json
import os
import sys
import types

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PARITY = os.path.join(ROOT, "tests", "data", "glip_parity")
HARNESS = os.environ.get("GLIP_HARNESS", os.path.join(ROOT, "..", "shared", "reference", "official_harness"))
for p in (PARITY, HARNESS, os.path.join(ROOT, "..", "shared", "tools")):
    sys.path.insert(0, p)
sys.modules.setdefault("cv2", types.ModuleType("cv2"))  # imported, unused, by the official efficientdet.py
import glip_env  # noqa: E402,F401
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from transformers.models.bert import modeling_bert as shim_bert  # noqa: E402
from maskrcnn_benchmark.config import cfg as _base_cfg  # noqa: E402
from maskrcnn_benchmark.modeling.detector import generalized_vl_rcnn  # noqa: E402
from maskrcnn_benchmark.modeling.rpn import loss as glip_loss, vldyhead  # noqa: E402
from maskrcnn_benchmark.structures.image_list import ImageList  # noqa: E402
from make_parity_fixtures import _NoTokenizer  # noqa: E402
from make_train_step_fixture import _FixedTokenizer  # noqa: E402
import safetensors_np  # noqa: E402

T = 128  # model.max_query_len of configs/tiny_synthetic.yaml
TINY = ["MODEL.DEVICE", "cpu", "MODEL.SWINT.EMBED_DIM", 24, "MODEL.SWINT.DEPTHS", (2, 2, 2, 2),
        "MODEL.SWINT.NUM_HEADS", (1, 2, 3, 4), "MODEL.SWINT.OUT_CHANNELS", (24, 48, 96, 192),
        "MODEL.SWINT.DROP_PATH_RATE", 0.0, "MODEL.FPN.DROP_BLOCK", False, "MODEL.BACKBONE.OUT_CHANNELS", 32,
        "MODEL.DYHEAD.CHANNELS", 32, "MODEL.DYHEAD.NUM_CONVS", 2, "MODEL.DYHEAD.USE_CHECKPOINT", False,
        "MODEL.DYHEAD.FUSE_CONFIG.JOINT_EMB_SIZE", 32, "MODEL.DYHEAD.LOG_SCALE", -2.0,
        "MODEL.LANGUAGE_BACKBONE.LANG_DIM", 64, "MODEL.LANGUAGE_BACKBONE.MAX_QUERY_LEN", T,
        "MODEL.RPN.ANCHOR_SIZES", (32, 64, 128, 256, 512)]
TINY_BERT = dict(hidden_size=64, num_attention_heads=4, intermediate_size=128, num_hidden_layers=2,
                 vocab_size=30522, max_position_embeddings=512)
MEAN = torch.tensor([103.53, 116.28, 123.675]).view(3, 1, 1)   # glip's normalisation (BGR, 0-255)
STD = torch.tensor([57.375, 57.12, 58.395]).view(3, 1, 1)


def build_model(checkpoint):
    cfg = _base_cfg.clone()
    cfg.merge_from_file(os.path.join(glip_env.GLIP_ROOT, "configs/pretrain/glip_Swin_T_O365_GoldG.yaml"))
    cfg.merge_from_list(TINY)
    cfg.freeze()
    shim_bert.PRETRAINED_OVERRIDES.clear()
    shim_bert.PRETRAINED_OVERRIDES["bert-base-uncased"] = dict(TINY_BERT)
    generalized_vl_rcnn.AutoTokenizer = _NoTokenizer
    glip_loss.AutoTokenizer = _NoTokenizer
    orig = vldyhead.VLFuse.init_configs

    def tiny_fusion(self, c):  # model.fusion_embed_dim 128, fusion_num_heads 4 (2048 / 8 hard-coded officially)
        orig(self, c)
        self.embed_dim, self.n_head = 128, 4
    vldyhead.VLFuse.init_configs = tiny_fusion
    model = generalized_vl_rcnn.GeneralizedVLRCNN(cfg)
    state = {k: torch.from_numpy(np.array(v)) for k, v in safetensors_np.load(checkpoint).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if "num_batches_tracked" not in m]
    if missing or unexpected:
        sys.exit("%s: not the tiny Swin model (missing %s, unexpected %s)" % (checkpoint, missing[:5], unexpected[:5]))
    model.eval()   # GeneralizedVLRCNN.train() returns None, so no chaining
    return model


def prompt(names):
    vocab = [l.rstrip("\n") for l in open(os.path.join(ROOT, "..", "shared", "fixtures", "tokenizer",
                                                        "bert-base-uncased-vocab.txt"))]
    ids, pos = [vocab.index("[CLS]")], []
    for i, n in enumerate(names):
        pos.append(len(ids))
        ids.append(vocab.index(n))
        if i + 1 < len(names):
            ids.append(vocab.index("."))
    ids.append(vocab.index("[SEP]"))
    input_ids = torch.zeros(1, T, dtype=torch.long)
    mask = torch.zeros(1, T, dtype=torch.long)
    input_ids[0, :len(ids)] = torch.tensor(ids)
    mask[0, :len(ids)] = 1
    return _FixedTokenizer(input_ids, mask), pos


def collect(model, cap, world, split, pos, limit):
    d = json.load(open(os.path.join(world, split, "instances.json")))
    anns = {}
    for a in d["annotations"]:
        anns.setdefault(a["image_id"], []).append(a)
    q, logit, y, side = {3: [], 4: []}, {3: [], 4: []}, [], []
    for im in d["images"][:limit]:
        objs = anns.get(im["id"], [])
        if not objs:
            continue
        rgb = np.array(Image.open(os.path.join(world, split, "images", im["file_name"])).convert("RGB"))
        x = (torch.from_numpy(rgb[:, :, ::-1].copy()).permute(2, 0, 1).float() - MEAN) / STD
        with torch.no_grad():
            model(ImageList(x[None], [tuple(x.shape[1:])]), captions=["prompt"])
        for level, stride in ((3, 8), (4, 16)):
            tower, dpl = cap["tower"][level - 3][0], cap["dpl"][level - 3][0]   # [C, H, W], [H*W, T]
            h, w = tower.shape[1:]
            for o in objs:
                b = o["bbox"]
                cx = min(int((b[0] + b[2] / 2) / stride), w - 1)
                cy = min(int((b[1] + b[3] / 2) / stride), h - 1)
                q[level].append(tower[:, cy, cx])
                logit[level].append(dpl[cy * w + cx, pos])
        y += [o["category_id"] - 1 for o in objs]
        side += [(o["bbox"][2] * o["bbox"][3]) ** 0.5 for o in objs]
    return ({k: torch.stack(v) for k, v in q.items()}, {k: torch.stack(v) for k, v in logit.items()},
            torch.tensor(y), torch.tensor(side))


def linear_probe(a, ya, k):
    mu, sd = a.mean(0), a.std(0) + 1e-6
    w = torch.zeros(a.shape[1], k, requires_grad=True)
    b = torch.zeros(k, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=0.01)
    an = (a - mu) / sd
    for _ in range(600):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(an @ w + b, ya) + 1e-3 * (w ** 2).sum()
        loss.backward()
        opt.step()
    return lambda x: (((x - mu) / sd) @ w + b).argmax(1)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    checkpoint, world = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    torch.set_num_threads(1)
    model = build_model(checkpoint)
    names = [c["name"] for c in sorted(json.load(open(os.path.join(world, "gold_det", "instances.json")))
                                       ["categories"], key=lambda c: c["id"])]
    model.tokenizer, pos = prompt(names)
    cap = {}
    model.rpn.head.dyhead_tower.register_forward_hook(lambda m, i, o: cap.update(tower=[t for t in o["visual"]]))
    model.rpn.head.register_forward_hook(lambda m, i, o: cap.update(dpl=[t for t in o[6]]))
    qa, la, ya, _ = collect(model, cap, world, "gold_det", pos, limit)
    qb, lb, yb, sb = collect(model, cap, world, "eval/coco", pos, 10 ** 9)
    k = len(names)
    print("objects: %d training, %d held-out; %d classes %s; chance %.3f" % (len(ya), len(yb), k, names, 1 / k))
    for level in (3, 4):
        a, b = qa[level], qb[level]
        between = sum(((a[ya == c].mean(0) - a.mean(0)) ** 2).sum() * (ya == c).sum() for c in range(k))
        print("P%d: between-class share of the variance of q %.3f" % (level, between / ((a - a.mean(0)) ** 2).sum()))
        probe = linear_probe(a, ya, k)
        print("  linear probe on q: training %.3f, held-out %.3f" % ((probe(a) == ya).float().mean(),
                                                                     (probe(b) == yb).float().mean()))
        print("  the model's class tokens: training %.3f, held-out %.3f" % ((la[level].argmax(1) == ya).float().mean(),
                                                                          (lb[level].argmax(1) == yb).float().mean()))
        for lo, hi in ((0, 32), (32, 48), (48, 10 ** 6)):
            m = (sb >= lo) & (sb < hi)
            if m.any():
                print("    held-out side [%d, %d) px: %d objects, probe %.3f, model %.3f" % (
                    lo, min(hi, 999), m.sum(), (probe(b[m]) == yb[m]).float().mean(),
                    (lb[level][m].argmax(1) == yb[m]).float().mean()))


if __name__ == "__main__":
    main()
