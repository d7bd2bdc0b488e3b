#!/usr/bin/python3
"""Times one official VLFuse block (GLIP-T: MHA-B, 256/768, embed 2048, 8 heads; random weights, eval, fp32) on
the P3..P7 levels of one 800x1333 image (padded 800x1344) and 256 tokens, as `glip_bench_model --part fusion`
times ours. Needs the official harness: GLIP_HARNESS (its folder) and GLIP_REFS (see its README).
usage: official_fusion.py THREADS REPEATS -> one JSON line"""
import json, os, sys, time
sys.path.insert(0, os.environ["GLIP_HARNESS"])
import make_parity_fixtures as M  # sets up the harness (paths, shims, _C replica)
import torch
from maskrcnn_benchmark.modeling.rpn import vldyhead

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(threads)
M.set_small_bert(False)
cfg = M.make_cfg(M.CFG_T, small=False)
torch.manual_seed(0)
fuse = vldyhead.VLFuse(cfg)
fuse.eval()
h, w = 800 // 8, 1344 // 8
levels = []
for _ in range(5):
    levels.append(torch.randn(1, 256, h, w))
    h, w = (h + 1) // 2, (w + 1) // 2
x = {"visual": levels, "lang": {"hidden": torch.randn(1, 256, 768), "masks": torch.ones(1, 256, dtype=torch.long)}}
def run():
    with torch.no_grad():
        t0 = time.time()
        fuse(x)
        return time.time() - t0
run()
best = min(run() for _ in range(reps))
print(json.dumps({"part": "fusion", "threads": threads, "seconds": round(best, 3),
                  "pixels": sum(l.shape[2] * l.shape[3] for l in levels)}))
