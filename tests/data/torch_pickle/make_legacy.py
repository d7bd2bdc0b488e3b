"""Writes legacy_format.bin: a file in the legacy (pre-1.6, non-zip) torch.save layout that old HF
pytorch_model.bin files use, without needing torch: the pickle references torch.FloatStorage /
torch._utils._rebuild_tensor_v2 by name exactly as torch writes them. Tensors (float32, little-endian):
  a.weight  [2,3] = 0..5        (storage "0", offset 0)
  a.bias    [3]   = 10,11,12    (storage "1")
  b.t       [3,2] = a.weight^T  (storage "0", strides (1,3): a non-contiguous view sharing a storage)
  b.ids     [4]   int64 = 7,8,9,10 (storage "2")
Run: python3 make_legacy.py (deterministic output)."""
import collections, pickle, struct

from fake_torch import FloatStorage, LongStorage, Storage, Tensor

s0 = Storage("0", FloatStorage, "<f", [0, 1, 2, 3, 4, 5])
s1 = Storage("1", FloatStorage, "<f", [10, 11, 12])
s2 = Storage("2", LongStorage, "<q", [7, 8, 9, 10])
state = collections.OrderedDict()
state["a.weight"] = Tensor(s0, 0, (2, 3), (3, 1))
state["a.bias"] = Tensor(s1, 0, (3,), (1,))
state["b.t"] = Tensor(s0, 0, (3, 2), (1, 3))
state["b.ids"] = Tensor(s2, 0, (4,), (1,))

class P(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.cls, obj.key, "cpu", len(obj.values), None)
        return None

with open("legacy_format.bin", "wb") as f:
    pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
    pickle.dump(1001, f, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
    P(f, protocol=2).dump(state)
    pickle.dump(["0", "1", "2"], f, protocol=2)
    for s in (s0, s1, s2):
        f.write(struct.pack("<q", len(s.values)))
        f.write(s.raw())
