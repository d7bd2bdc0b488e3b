#!/usr/bin/python3
"""Can the shapes be read from the visual body? (docs/training.md, "Where the class is lost")

Loads the ResNet body + FPN of a glip checkpoint of the tiny ResNet model (configs/model/glip_tiny_r.yaml; official
keys) into the official resnet.py / fpn.py modules, or leaves them at their initialisation (CHECKPOINT = random),
and fits a logistic regression per feature on the training objects of a synthetic world (gold detection split),
tested on its held-out COCO-format split: C3 / C4 box-pooled (1x1), P3 / P4 box-pooled (3x3), P3 / P4 at the box
centre. Research tool, not run by CI; needs the official code through ../shared/reference/official_harness:
    GLIP_REFS=/path/to/REFS /usr/bin/python3 scripts/research/probe_body_features.py CHECKPOINT|random WORLD
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probe_head_features as common  # noqa: E402  (harness set-up, normalisation, the linear probe)
import json  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision.ops import roi_align  # noqa: E402
from maskrcnn_benchmark.config import cfg as _base_cfg  # noqa: E402
from maskrcnn_benchmark.modeling.backbone import resnet, fpn  # noqa: E402
from maskrcnn_benchmark.modeling.make_layers import conv_with_kaiming_uniform  # noqa: E402


def build(checkpoint):
    # model.resnet_stage_blocks [2, 2, 2, 2] (a glip key): registered here as an official stage spec
    resnet._STAGE_SPECS["TINY2222"] = tuple(resnet.StageSpec(index=i, block_count=2, return_features=True)
                                            for i in (1, 2, 3, 4))
    _base_cfg.defrost()   # make_layers.group_norm reads the global cfg
    _base_cfg.merge_from_list(["MODEL.GROUP_NORM.NUM_GROUPS", 8, "MODEL.GROUP_NORM.DIM_PER_GP", -1])
    cfg = _base_cfg.clone()
    cfg.merge_from_list(["MODEL.BACKBONE.CONV_BODY", "TINY2222", "MODEL.RESNETS.STEM_OUT_CHANNELS", 16,
                         "MODEL.RESNETS.RES2_OUT_CHANNELS", 64, "MODEL.RESNETS.WIDTH_PER_GROUP", 16,
                         "MODEL.RESNETS.STEM_FUNC", "StemWithGN", "MODEL.RESNETS.TRANS_FUNC", "BottleneckWithGN"])
    body = resnet.ResNet(cfg)
    neck = fpn.FPN(in_channels_list=[0, 128, 256, 512], out_channels=32, conv_block=conv_with_kaiming_uniform(False, False),
                   top_blocks=fpn.LastLevelP6P7(32, 32), drop_block=None)
    if checkpoint != "random":
        state = common.safetensors_np.load(checkpoint)
        for prefix, module in (("backbone.body.", body), ("backbone.fpn.", neck)):
            module.load_state_dict({k[len(prefix):]: torch.from_numpy(np.array(v))
                                    for k, v in state.items() if k.startswith(prefix)}, strict=True)
    return body.eval(), neck.eval()


def features(body, neck, world, split, limit):
    d = json.load(open(os.path.join(world, split, "instances.json")))
    anns = {}
    for a in d["annotations"]:
        anns.setdefault(a["image_id"], []).append(a)
    out, y = {}, []
    for im in d["images"][:limit]:
        objs = anns.get(im["id"], [])
        if not objs:
            continue
        rgb = np.array(Image.open(os.path.join(world, split, "images", im["file_name"])).convert("RGB"))
        x = (torch.from_numpy(rgb[:, :, ::-1].copy()).permute(2, 0, 1).float() - common.MEAN) / common.STD
        with torch.no_grad():
            cs = body(x[None])
            ps = neck(cs)
        boxes = torch.tensor([[0.0, o["bbox"][0], o["bbox"][1], o["bbox"][0] + o["bbox"][2],
                               o["bbox"][1] + o["bbox"][3]] for o in objs])
        got = {"C3 box-pooled": roi_align(cs[1], boxes, 1, 1 / 8, 2, True).flatten(1),
               "C4 box-pooled": roi_align(cs[2], boxes, 1, 1 / 16, 2, True).flatten(1),
               "P3 3x3 box-pooled": roi_align(ps[0], boxes, 3, 1 / 8, 2, True).flatten(1),
               "P4 3x3 box-pooled": roi_align(ps[1], boxes, 3, 1 / 16, 2, True).flatten(1)}
        for name, t, s in (("P3 box centre", ps[0], 8), ("P4 box centre", ps[1], 16)):
            cx = ((boxes[:, 1] + boxes[:, 3]) / 2 / s).long().clamp(0, t.shape[3] - 1)
            cy = ((boxes[:, 2] + boxes[:, 4]) / 2 / s).long().clamp(0, t.shape[2] - 1)
            got[name] = t[0][:, cy, cx].T
        for k, v in got.items():
            out.setdefault(k, []).append(v)
        y += [o["category_id"] - 1 for o in objs]
    return {k: torch.cat(v) for k, v in out.items()}, torch.tensor(y)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    body, neck = build(sys.argv[1])
    xa, ya = features(body, neck, sys.argv[2], "gold_det", 750)
    xb, yb = features(body, neck, sys.argv[2], "eval/coco", 10 ** 9)
    k = int(max(ya.max(), yb.max())) + 1
    print("objects: %d training, %d held-out, %d classes; chance %.3f" % (len(ya), len(yb), k, 1 / k))
    for name in xa:
        probe = common.linear_probe(xa[name], ya, k)
        print("%-18s %4d-d  training %.3f  held-out %.3f" % (name, xa[name].shape[1], (probe(xa[name]) == ya).float().mean(),
                                                              (probe(xb[name]) == yb).float().mean()))


if __name__ == "__main__":
    main()
