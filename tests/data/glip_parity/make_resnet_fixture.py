#!/usr/bin/python3
"""ResNet body + FPN of the official code (maskrcnn_benchmark/modeling/backbone/resnet.py and fpn.py): the fixtures
`resnet_gn.*` and `resnet_frozenbn.*` (tests/data/glip_parity/README.md, section k).

It runs the official microsoft/GLIP modules (commit 9dda955) through the CPU harness in
../shared/reference/official_harness (set-up in its README.md):

    export GLIP_REFS=/path/to/REFS
    /usr/bin/python3 tests/data/glip_parity/make_resnet_fixture.py [SEED] [OUTDIR]

The body is resnet.ResNet(cfg) with CONV_BODY "R-50-FPN-RETINANET" (ResNet50FPNStagesTo5: 3-4-6-3 blocks, all four
stages returned) at small widths (STEM_OUT_CHANNELS 8, RES2_OUT_CHANNELS 16, WIDTH_PER_GROUP 4), once with
StemWithGN / BottleneckWithGN (GROUP_NORM.NUM_GROUPS 4) and once with the FrozenBatchNorm2d modules (random
buffers, positive running_var). The FPN is composed as GLIP's build_retinanet_swint_fpn_backbone composes it
(GLIP registers no ResNet-FPN builder): in_channels_list [0, C3, C4, C5], LastLevelP6P7(out, out) (P6 from P5),
no DropBlock (eval). Input: two images 3x67x91 (odd sizes: the stride-2 convs and the max pool round).
"""
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

from maskrcnn_benchmark.config import cfg as _base_cfg  # noqa: E402
from maskrcnn_benchmark.modeling.backbone import resnet as glip_resnet  # noqa: E402
from maskrcnn_benchmark.modeling.backbone import fpn as glip_fpn  # noqa: E402
from maskrcnn_benchmark.modeling.make_layers import conv_with_kaiming_uniform  # noqa: E402
from make_parity_fixtures import randomize_, prefixed_state, write_fixture  # noqa: E402

OUT_CHANNELS = 24


def build(norm):
    # make_layers.group_norm reads the global cfg, not the one passed to ResNet: set GROUP_NORM there too
    _base_cfg.defrost()
    _base_cfg.merge_from_list(["MODEL.GROUP_NORM.NUM_GROUPS", 4, "MODEL.GROUP_NORM.DIM_PER_GP", -1])
    cfg = _base_cfg.clone()
    cfg.merge_from_list([
        "MODEL.BACKBONE.CONV_BODY", "R-50-FPN-RETINANET",
        "MODEL.RESNETS.STEM_OUT_CHANNELS", 8, "MODEL.RESNETS.RES2_OUT_CHANNELS", 16,
        "MODEL.RESNETS.WIDTH_PER_GROUP", 4, "MODEL.RESNETS.NUM_GROUPS", 1, "MODEL.RESNETS.STRIDE_IN_1X1", True,
        "MODEL.GROUP_NORM.NUM_GROUPS", 4, "MODEL.GROUP_NORM.DIM_PER_GP", -1,
    ])
    if norm == "GN":
        cfg.merge_from_list(["MODEL.RESNETS.STEM_FUNC", "StemWithGN", "MODEL.RESNETS.TRANS_FUNC", "BottleneckWithGN"])
    body = glip_resnet.ResNet(cfg)
    fpn = glip_fpn.FPN(in_channels_list=[0, 32, 64, 128], out_channels=OUT_CHANNELS,
                       conv_block=conv_with_kaiming_uniform(False, False),
                       top_blocks=glip_fpn.LastLevelP6P7(OUT_CHANNELS, OUT_CHANNELS), drop_block=None)
    return body.eval(), fpn.eval()


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    outdir = sys.argv[2] if len(sys.argv) > 2 else HERE
    for norm, name in (("GN", "resnet_gn"), ("FrozenBN", "resnet_frozenbn")):
        gen = torch.Generator().manual_seed(seed * 10 + (norm == "GN"))
        body, fpn = build(norm)
        randomize_(body, gen)
        randomize_(fpn, gen)
        with torch.no_grad():
            for mname, m in body.named_modules():  # FrozenBatchNorm2d: statistics and affine are buffers
                if type(m).__name__ == "FrozenBatchNorm2d":
                    m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, generator=gen))
                    m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
                    m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=gen))
                    m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))
            image = torch.randn(2, 3, 67, 91, generator=gen)
            cs = body(image)
            ps = fpn(cs)
        state = prefixed_state(body, "backbone.body.")
        state.update(prefixed_state(fpn, "backbone.fpn."))
        outputs = {"C%d" % (i + 2): c for i, c in enumerate(cs)}
        outputs.update({"P%d" % (i + 3): p for i, p in enumerate(ps)})
        config = {"conv_body": "R-50-FPN-RETINANET", "norm": norm, "stem_out_channels": 8, "res2_out_channels": 16,
                  "width_per_group": 4, "gn_groups": 4, "fpn_out_channels": OUT_CHANNELS, "seed": seed}
        write_fixture(outdir, name, state, {"image": image}, outputs, config, {"rtol": 1e-5, "atol": 1e-5},
                      notes="official ResNet body + GLIP's FPN composition, eval mode")


if __name__ == "__main__":
    main()
