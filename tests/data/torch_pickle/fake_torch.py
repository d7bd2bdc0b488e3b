"""Stand-ins for the torch names a torch.save pickle refers to (torch.FloatStorage, torch.LongStorage,
torch._utils._rebuild_tensor_v2), registered in sys.modules so that Python's pickle writes them exactly as torch
does, without torch. Used by make_legacy.py and tests/fuzz/make_seeds.py."""
import collections, struct, sys, types

torch = types.ModuleType("torch"); utils = types.ModuleType("torch._utils")
class FloatStorage: pass
class LongStorage: pass
FloatStorage.__module__ = LongStorage.__module__ = "torch"
torch.FloatStorage, torch.LongStorage = FloatStorage, LongStorage
def _rebuild_tensor_v2(*a): pass
_rebuild_tensor_v2.__module__ = "torch._utils"
utils._rebuild_tensor_v2 = _rebuild_tensor_v2
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils


class Storage:
    def __init__(self, key, cls, fmt, values): self.key, self.cls, self.fmt, self.values = key, cls, fmt, values
    def raw(self): return b"".join(struct.pack(self.fmt, v) for v in self.values)
class Tensor:
    def __init__(self, st, off, size, stride): self.args = (st, off, size, stride, False, collections.OrderedDict())
    def __reduce__(self): return (_rebuild_tensor_v2, self.args)
