#!/usr/bin/python3
"""Prints the official numbers of tests/data_pipeline/box_convention_test.cpp (BoxConvention.*).

It runs the box code of microsoft/GLIP (commit 9dda955) itself, with Debian's python3-torch (no other package):
BoxList from maskrcnn_benchmark/structures/bounding_box.py (imported as is), and, taken verbatim out of their
files with `ast` (their modules import half of the project), BoxCoder from maskrcnn_benchmark/modeling/rpn/
vldyhead.py and convert_to_xywh from maskrcnn_benchmark/data/datasets/evaluation/lvis/lvis_eval.py.

    GLIP=/path/to/GLIP /usr/bin/python3 tests/data/box_convention/official_box_numbers.py
    (from the mirror: for f in maskrcnn_benchmark/structures/bounding_box.py maskrcnn_benchmark/modeling/rpn/
     vldyhead.py maskrcnn_benchmark/data/datasets/evaluation/lvis/lvis_eval.py; do mkdir -p $GLIP/$(dirname $f);
     git --git-dir=MIRROR show 9dda955:$f > $GLIP/$f; done)

The pipeline is the official one for one COCO image of W x H = 203 x 150 (numbers are float32, printed with 9
significant digits, which round-trip):
  read      BoxList(bbox, (W, H), mode="xywh").convert("xyxy")         (data/datasets/coco.py, modulated_coco.py)
  clip      .clip_to_image(remove_empty=True)                          (same files, before the transforms)
  flip      .transpose(FLIP_LEFT_RIGHT)                                (data/transforms RandomHorizontalFlip)
  resize    .resize((135, 100))                                        (Resize to short side 100: int(100*203/150))
  flip+rs   .resize((135, 100)).transpose(FLIP_LEFT_RIGHT)             (Resize, then the flip, on the resized image)
  back      .resize((W, H)) of the resized boxes                       (engine/inference.py / coco_eval.py resize)
  coco      back.convert("xywh").bbox                                  (coco_eval.py prepare_for_coco_detection)
  lvis      convert_to_xywh(back.bbox)                                 (lvis_eval.py, the LVIS results)
  encode    BoxCoder(cfg).encode(read boxes, anchor [0, 0, 63, 63])    (vldyhead.py, the ATSS regression targets)
"""
import ast
import os
import sys

import torch

GLIP = os.environ.get("GLIP", "")
sys.path.insert(0, GLIP)
from maskrcnn_benchmark.structures.bounding_box import BoxList, FLIP_LEFT_RIGHT  # noqa: E402


def load_def(rel_path, name):
    """The top-level class or function `name` of GLIP/rel_path, compiled on its own (torch in scope)."""
    with open(os.path.join(GLIP, rel_path)) as f:
        tree = ast.parse(f.read())
    node = next(n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == name)
    scope = {"torch": torch}
    exec(compile(ast.Module(body=[node], type_ignores=[]), rel_path, "exec"), scope)
    return scope[name]


BoxCoder = load_def("maskrcnn_benchmark/modeling/rpn/vldyhead.py", "BoxCoder")
convert_to_xywh = load_def("maskrcnn_benchmark/data/datasets/evaluation/lvis/lvis_eval.py", "convert_to_xywh")

W, H = 203, 150
RW, RH = 135, 100
COCO = [
    [10, 20, 30, 40],          # integers
    [0.5, 3.25, 12.75, 7.5],   # fractions
    [2.1, 7.3, 33.3, 9.9],     # inexact in binary
    [190, 140, 20, 20],        # runs off the bottom-right corner: clipped
    [-5, 0, 10, 10],           # runs off the left: clipped
    [5, 5, 1, 10],             # one pixel wide: x2 == x1, removed as empty
    [100, 50, 0.5, 3],         # narrower than a pixel: removed as empty
]


def show(name, t):
    for row in t.tolist():
        print("%-7s {%s}" % (name, ", ".join("%.9g" % v for v in row)))


def main():
    read = BoxList(torch.tensor(COCO, dtype=torch.float32), (W, H), mode="xywh").convert("xyxy")
    show("read", read.bbox)
    clipped = read.clip_to_image(remove_empty=True)
    print("kept    %d of %d" % (len(clipped), len(read)))
    show("clip", clipped.bbox)
    flip1 = clipped.transpose(FLIP_LEFT_RIGHT)
    show("flip", flip1.bbox)
    show("flip2", flip1.transpose(FLIP_LEFT_RIGHT).bbox)
    resized = clipped.resize((RW, RH))
    show("resize", resized.bbox)
    show("flip+rs", resized.transpose(FLIP_LEFT_RIGHT).bbox)
    back = resized.resize((W, H))
    show("back", back.bbox)
    show("coco", back.convert("xywh").bbox)
    show("lvis", convert_to_xywh(back.bbox))
    anchors = torch.tensor([[0, 0, 63, 63]], dtype=torch.float32).expand(len(clipped), 4)
    show("encode", BoxCoder(None).encode(clipped.bbox, anchors))


if __name__ == "__main__":
    main()
