/**
 * Reads files written by Python's torch.save (PyTorch zip archive with data.pkl and data/<key> storages)
 * natively, without Python: official GLIP .pth checkpoints and HF pytorch_model.bin files. Python objects
 * that are not tensors or plain containers (optimizer/scheduler internals) are read past, not needed.
 */
#pragma once
#include <map>
#include <string>

#include "glip/io/safetensors.h"

namespace glip::io {

/**
 * Loads the tensors of the dict stored under top-level key `entry` (e.g. "model") of a torch.save file;
 * when `entry` is empty, or the root has no such key, the root dict itself is used (HF pytorch_model.bin).
 * Keys are returned as stored (a DDP `module.` prefix is not stripped here). Errors name the file.
 */
TensorFile load_torch_tensors(const std::string& path, const std::string& entry = "model");

/** Strips a leading "module." from every key (DistributedDataParallel checkpoints). */
std::map<std::string, at::Tensor> strip_module_prefix(std::map<std::string, at::Tensor> tensors);

}  // namespace glip::io
