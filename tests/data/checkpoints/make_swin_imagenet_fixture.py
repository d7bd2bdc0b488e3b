#!/usr/bin/python3
"""A small ImageNet-classification-layout Swin checkpoint: `swin_imagenet_layout.pth` (model.backbone_weight tests).

The layout of the official Swin repository's swin_tiny_patch4_window7_224.pth (and timm 0.6's): torch.save of
{"model": state_dict} with patch_embed.*, layers.N.blocks.M.* (relative_position_index buffers and, for shifted
blocks, an attn_mask buffer), layers.N.downsample.*, a final norm.* and a classifier head.*, and none of the
detection output norms norm0..norm3 that GLIP's backbone adds. The tensors are those of the official swint.py
SwinTransformer (via the CPU harness, see ../glip_parity/make_train_step_fixture.py for the set-up) at small
sizes: embed 12, depths 2-2-2-2, heads 1-2-3-4, window 7, random weights (seed 0).

    export GLIP_REFS=/path/to/REFS
    /usr/bin/python3 tests/data/checkpoints/make_swin_imagenet_fixture.py [OUT]
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.environ.get("GLIP_HARNESS",
                         os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", "shared", "reference",
                                                      "official_harness")))
sys.path.insert(0, HARNESS)
sys.path.insert(0, os.path.join(HERE, "..", "glip_parity"))
try:
    import cv2  # noqa: F401
except ImportError:
    import types
    sys.modules["cv2"] = types.ModuleType("cv2")
import glip_env  # noqa: E402,F401

import torch  # noqa: E402

from maskrcnn_benchmark.modeling.backbone import swint  # noqa: E402
from make_parity_fixtures import randomize_  # noqa: E402


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "swin_imagenet_layout.pth")
    gen = torch.Generator().manual_seed(0)
    swin = swint.SwinTransformer(patch_size=4, embed_dim=12, depths=[2, 2, 2, 2], num_heads=[1, 2, 3, 4],
                                 window_size=7, out_features=("stage2", "stage3", "stage4", "stage5"))
    randomize_(swin, gen)
    sd = {k: v for k, v in swin.state_dict().items() if not re.match(r"norm\d\.", k)}
    sd["norm.weight"] = 1.0 + 0.1 * torch.randn(96, generator=gen)
    sd["norm.bias"] = 0.1 * torch.randn(96, generator=gen)
    sd["head.weight"] = torch.randn(10, 96, generator=gen) / 96 ** 0.5
    sd["head.bias"] = torch.zeros(10)
    sd["layers.0.blocks.1.attn_mask"] = torch.zeros(4, 49, 49)
    torch.save({"model": sd}, out)
    print("wrote", out, len(sd), "tensors")


if __name__ == "__main__":
    main()
