/**
 * safetensors files (https://github.com/huggingface/safetensors format): an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then raw data.
 * Readable and writable by the Python safetensors package.
 */
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>

namespace glip::io {

/** Tensors by name (sorted), plus the string metadata of the file. */
struct TensorFile {
  std::map<std::string, at::Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

/** Loads every tensor of a safetensors file onto the CPU. Errors name the file and what is wrong. */
TensorFile load_safetensors(const std::string& path);

/** Parses safetensors bytes; `what` names the source in error messages. */
TensorFile parse_safetensors(const std::string& bytes, const std::string& what);

/** Serialises tensors (moved to CPU, made contiguous) to safetensors bytes. */
std::string serialize_safetensors(const std::map<std::string, at::Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});

/**
 * Writes a safetensors file atomically (temp file + rename). Refuses (glip::Error naming the tensor, nothing
 * written) when a floating tensor holds NaN or Inf: no run leaves a checkpoint of non-finite weights behind.
 */
void save_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace glip::io
