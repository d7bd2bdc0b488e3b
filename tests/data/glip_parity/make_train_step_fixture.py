#!/usr/bin/python3
"""One training step of the whole official GLIP model (GeneralizedVLRCNN) at a small size: the fixture
`train_step.safetensors` / `train_step.json` (tests/data/glip_parity/README.md, section j).

It runs the official microsoft/GLIP modules (commit 9dda955) through the CPU harness in
../shared/reference/official_harness (read its README.md for the set-up: Debian's python3-torch, and REFS with
microsoft+GLIP, rbgirshick+yacs and timm v0.6.12 unpacked):

    export GLIP_REFS=/path/to/REFS
    /usr/bin/python3 tests/data/glip_parity/make_train_step_fixture.py [SEED] [OUTDIR]
    (defaults: seed 0, OUTDIR = this folder; GLIP_HARNESS overrides the harness folder; DEBUG_DUMP=FILE also
    writes the language features, the head's dot-product logits / box regression and the fused hidden of the
    forward pass to FILE, for bisecting a mismatch)

What it does, as the official tools/train_net.py + engine/trainer.py do for one iteration in fp32:
  model = GeneralizedVLRCNN(cfg); model.train()
  loss_dict = model(images, targets, captions, positive_map); losses = sum(loss_dict.values())
  losses.backward(); optimizer.step()   (solver/build.py make_optimizer: AdamW with the official parameter
                                          groups and the full-model gradient clipping at 1.0)
Configuration: configs/pretrain/glip_Swin_T_O365_GoldG.yaml at small size (see SMALL below), with every source of
training-time randomness off (Swin drop path 0, FPN DropBlock off, BERT dropout 0, VLFuse attention dropout 0),
no deformable convolution (MODEL.DYHEAD.USE_DFCONV False: the harness has no backward for the DCN replica),
no gradient checkpointing (the same arithmetic), and VLFuse's hard-coded attention width 2048/8 heads replaced
by 128/4 heads (to keep the fixture small; the code path is unchanged). The learning rate is the base one
(no warmup factor): BASE_LR 1e-4, LANG_LR 1e-5, WEIGHT_DECAY 1e-4, BIAS_LR_FACTOR 2, WEIGHT_DECAY_BIAS 0,
AdamW betas (0.9, 0.999), eps 1e-8.
input.positive_map holds the rows normalised over each phrase's tokens, as the dataset makes them; the model is
called with the map that data/collate_batch.py makes of them (bool, so binary token targets), as in training.
"""
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.environ.get("GLIP_HARNESS",
                         os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", "shared", "reference",
                                                      "official_harness")))
sys.path.insert(0, HARNESS)
try:
    import cv2  # noqa: F401  (imported, unused, by modeling/backbone/efficientdet.py)
except ImportError:
    import types
    sys.modules["cv2"] = types.ModuleType("cv2")
import glip_env  # noqa: E402,F401

import torch  # noqa: E402

import safetensors_io  # noqa: E402
from transformers.models.bert import modeling_bert as shim_bert  # noqa: E402
from maskrcnn_benchmark.config import cfg as _base_cfg  # noqa: E402
from maskrcnn_benchmark.modeling.detector import generalized_vl_rcnn  # noqa: E402
from maskrcnn_benchmark.modeling.rpn import loss as glip_loss  # noqa: E402
from maskrcnn_benchmark.modeling.rpn import vldyhead as glip_vldyhead  # noqa: E402
from maskrcnn_benchmark.solver.build import make_optimizer  # noqa: E402
from maskrcnn_benchmark.structures.bounding_box import BoxList  # noqa: E402
from maskrcnn_benchmark.structures.image_list import ImageList  # noqa: E402
from make_parity_fixtures import randomize_, shape_table, _NoTokenizer  # noqa: E402

CFG_T = os.path.join(glip_env.GLIP_ROOT, "configs/pretrain/glip_Swin_T_O365_GoldG.yaml")
IMG_H, IMG_W = 150, 203
IMAGE_SIZES = [(150, 203), (137, 190)]
T = 12
SWIN_EMBED = 12
SMALL = [
    "MODEL.DEVICE", "cpu",
    "MODEL.SWINT.EMBED_DIM", SWIN_EMBED,
    "MODEL.SWINT.DEPTHS", (2, 2, 2, 2),
    "MODEL.SWINT.NUM_HEADS", (1, 2, 3, 4),
    "MODEL.SWINT.WINDOW_SIZE", 7,
    "MODEL.SWINT.OUT_CHANNELS", tuple(SWIN_EMBED * m for m in (1, 2, 4, 8)),
    "MODEL.SWINT.DROP_PATH_RATE", 0.0,
    "MODEL.FPN.DROP_BLOCK", False,
    "MODEL.BACKBONE.OUT_CHANNELS", 32,
    "MODEL.DYHEAD.CHANNELS", 32,
    "MODEL.DYHEAD.NUM_CONVS", 2,
    "MODEL.DYHEAD.USE_DFCONV", False,
    "MODEL.DYHEAD.USE_CHECKPOINT", False,
    "MODEL.DYHEAD.FUSE_CONFIG.JOINT_EMB_SIZE", 32,
    "MODEL.DYHEAD.FUSE_CONFIG.JOINT_EMB_DROPOUT", 0.0,
    "MODEL.LANGUAGE_BACKBONE.LANG_DIM", 48,
    "MODEL.LANGUAGE_BACKBONE.MAX_QUERY_LEN", T,
    "SOLVER.CLIP_GRADIENTS.ENABLED", True,
    "SOLVER.CLIP_GRADIENTS.CLIP_VALUE", 1.0,
]
BERT_SMALL = dict(hidden_size=48, num_attention_heads=4, intermediate_size=96, num_hidden_layers=2,
                  vocab_size=100, max_position_embeddings=32, hidden_dropout_prob=0.0,
                  attention_probs_dropout_prob=0.0)
FUSE_EMBED, FUSE_HEADS = 128, 4


class _FixedTokenizer(object):
    """Stands in for the HF tokenizer in GeneralizedVLRCNN.forward: returns fixed token ids."""

    def __init__(self, input_ids, attention_mask):
        self.input_ids = input_ids
        self.attention_mask = attention_mask
        self.special_tokens_mask = torch.zeros_like(input_ids)

    def batch_encode_plus(self, captions, **kw):
        assert len(captions) == self.input_ids.shape[0]
        return self

    def to(self, device):
        return self


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    outdir = sys.argv[2] if len(sys.argv) > 2 else HERE
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    torch.manual_seed(seed)
    cfg = _base_cfg.clone()
    cfg.merge_from_file(CFG_T)
    cfg.merge_from_list(SMALL)
    cfg.freeze()
    shim_bert.PRETRAINED_OVERRIDES.clear()
    shim_bert.PRETRAINED_OVERRIDES["bert-base-uncased"] = dict(BERT_SMALL)
    generalized_vl_rcnn.AutoTokenizer = _NoTokenizer
    glip_loss.AutoTokenizer = _NoTokenizer
    orig_init_configs = glip_vldyhead.VLFuse.init_configs

    def small_init_configs(self, c):
        orig_init_configs(self, c)
        self.embed_dim, self.n_head = FUSE_EMBED, FUSE_HEADS
    glip_vldyhead.VLFuse.init_configs = small_init_configs

    model = generalized_vl_rcnn.GeneralizedVLRCNN(cfg)
    gen = torch.Generator().manual_seed(seed * 1000 + 11)
    randomize_(model, gen)
    # No randomness left in training mode: check every dropout-like module is inert.
    for name, m in model.named_modules():
        p = getattr(m, "p", None) if isinstance(m, torch.nn.Dropout) else None
        assert not p, "dropout %s p=%s" % (name, p)
        for attr in ("drop_prob",):
            assert not getattr(m, attr, 0.0), "%s.%s = %s" % (name, attr, getattr(m, attr))
    for name, m in model.named_modules():
        if type(m).__name__ == "BiMultiHeadAttention":
            m.dropout = 0.0  # F.dropout(attn, p=self.dropout, training=self.training): hard-coded 0.1 in VLFuse
    model.train()

    # Inputs: a padded batch of two images, one caption per image, 3 + 2 boxes.
    images = torch.randn((2, 3, IMG_H, IMG_W), generator=gen)
    input_ids = torch.zeros((2, T), dtype=torch.long)
    attention_mask = torch.zeros((2, T), dtype=torch.long)
    for i, n in enumerate([10, 8]):
        input_ids[i, 0] = 1
        input_ids[i, 1:n - 1] = torch.randint(3, 100, (n - 2,), generator=gen)
        input_ids[i, n - 1] = 2
        attention_mask[i, :n] = 1
    spans = {0: {1: (1, 3), 2: (4, 5), 3: (6, 9)}, 1: {1: (1, 2), 2: (3, 6), 3: (6, 7)}}
    nb = [3, 2]
    targets, boxes_all, labels_all, pm_rows = [], [], [], []
    for i, (h, w) in enumerate(IMAGE_SIZES):
        n = nb[i]
        cx = torch.rand(n, generator=gen) * (w - 60) + 30
        cy = torch.rand(n, generator=gen) * (h - 60) + 30
        bw = torch.rand(n, generator=gen) * 80 + 20
        bh = torch.rand(n, generator=gen) * 80 + 20
        b = torch.stack([(cx - bw / 2).clamp(min=0), (cy - bh / 2).clamp(min=0),
                         (cx + bw / 2).clamp(max=w - 1), (cy + bh / 2).clamp(max=h - 1)], 1)
        lab = torch.tensor([1, 2, 3][:n], dtype=torch.long)
        bl = BoxList(b, (w, h), mode="xyxy")
        bl.add_field("labels", lab)
        targets.append(bl)
        boxes_all.append(b)
        labels_all.append(lab)
        for lv in lab.tolist():
            a, e = spans[i][lv]
            row = torch.zeros(T)
            row[a:e] = 1.0 / (e - a)
            pm_rows.append(row)
    positive_map = torch.stack(pm_rows, 0)   # rows normalised over their span, as the dataset makes them
    # data/collate_batch.py batches the maps into a bool tensor, so the model trains on binary token targets.
    collated_positive_map = (positive_map > 0).float()
    model.tokenizer = _FixedTokenizer(input_ids, attention_mask)
    model.rpn.loss_evaluator.tokenizer = model.tokenizer  # it tokenizes the captions too (unused with a positive_map)

    init_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    optimizer = make_optimizer(cfg, model)
    groups = {}
    name_of = {id(p): n for n, p in model.named_parameters()}
    for g in optimizer.param_groups:
        for p in g["params"]:
            groups[name_of[id(p)]] = [g["lr"], g["weight_decay"]]

    optimizer.zero_grad()
    dbg = {}
    if os.environ.get("DEBUG_DUMP"):
        def lang_hook(m, i, o):
            dbg["lang.hidden"] = o["hidden"].detach().clone()
            dbg["lang.embedded"] = o["embedded"].detach().clone()
        def head_hook(m, i, o):
            for l in range(5):
                dbg["dpl.L%d" % l] = o[6][l].detach().clone()
                dbg["reg.L%d" % l] = o[1][l].detach().clone()
            dbg["fused_hidden"] = i[1]["hidden"].detach().clone()
        model.language_backbone.register_forward_hook(lang_hook)
        model.rpn.head.register_forward_hook(head_hook)
    loss_dict = model(ImageList(images, IMAGE_SIZES), targets, ["caption 0", "caption 1"],
                      collated_positive_map)
    if dbg:
        safetensors_io.save(dbg, os.environ["DEBUG_DUMP"])
    losses = sum(loss for loss in loss_dict.values())
    losses.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.grad is not None}
    grad_norm = torch.norm(torch.stack([g.norm(2) for g in grads.values()]), 2)
    optimizer.step()   # clips to 1.0 (FullModelGradientClippingOptimizer), then AdamW
    after = {n: p.detach().clone() for n, p in model.named_parameters() if n in groups}

    tensors = dict(init_state)
    tensors["input.images"] = images
    tensors["input.image_sizes_hw"] = torch.tensor(IMAGE_SIZES, dtype=torch.long)
    tensors["input.input_ids"] = input_ids
    tensors["input.attention_mask"] = attention_mask
    tensors["input.positive_map"] = positive_map
    for i in range(2):
        tensors["input.targets.%d.boxes" % i] = boxes_all[i]
        tensors["input.targets.%d.labels" % i] = labels_all[i]
    for k, v in loss_dict.items():
        tensors["output.%s" % k] = v.detach().reshape(1)
    tensors["output.loss_total"] = losses.detach().reshape(1)
    tensors["output.grad_norm"] = grad_norm.reshape(1)
    for n, g in grads.items():
        tensors["grad." + n] = g
    for n, p in after.items():
        tensors["after." + n] = p
    tensors = {k: (v.float() if v.dtype == torch.float64 else v).detach() for k, v in tensors.items()}
    safetensors_io.save(tensors, os.path.join(outdir, "train_step.safetensors"), metadata={"fixture": "train_step"})
    no_grad = sorted(n for n, p in model.named_parameters() if n not in grads)
    meta = {
        "fixture": "train_step",
        "module": "maskrcnn_benchmark/modeling/detector/generalized_vl_rcnn.py:GeneralizedVLRCNN (train mode) + "
                  "solver/build.py:make_optimizer (AdamW, full-model gradient clipping)",
        "yaml": "configs/pretrain/glip_Swin_T_O365_GoldG.yaml", "overrides": [str(x) for x in SMALL],
        "bert_config": BERT_SMALL, "vlfuse_embed_dim": FUSE_EMBED, "vlfuse_num_heads": FUSE_HEADS,
        "seed": seed, "padded_batch_hw": [IMG_H, IMG_W], "image_sizes_hw": [list(s) for s in IMAGE_SIZES],
        "losses": {k: float(v) for k, v in loss_dict.items()}, "loss_total": float(losses),
        "grad_norm_before_clip": float(grad_norm),
        "optimizer": {"lr_is_base_lr(no warmup)": True, "betas": [0.9, 0.999], "eps": 1e-8,
                      "clip_value": cfg.SOLVER.CLIP_GRADIENTS.CLIP_VALUE, "BASE_LR": cfg.SOLVER.BASE_LR,
                      "LANG_LR": cfg.SOLVER.LANG_LR, "WEIGHT_DECAY": cfg.SOLVER.WEIGHT_DECAY,
                      "BIAS_LR_FACTOR": cfg.SOLVER.BIAS_LR_FACTOR,
                      "WEIGHT_DECAY_BIAS": cfg.SOLVER.WEIGHT_DECAY_BIAS},
        "param_groups": groups,
        "params_without_grad(requires_grad False, not in the optimizer)": no_grad,
        "num_params": sum(p.numel() for p in model.parameters()),
        "tensors": shape_table(tensors),
    }
    with open(os.path.join(outdir, "train_step.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("losses", {k: float(v) for k, v in loss_dict.items()}, "grad_norm", float(grad_norm))
    print("params", meta["num_params"], "grads", len(grads), "no grad", no_grad)
    print("file MB", os.path.getsize(os.path.join(outdir, "train_step.safetensors")) / 1e6)


if __name__ == "__main__":
    main()
