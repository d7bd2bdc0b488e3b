/**
 * Loading name -> tensor maps (safetensors files, converted checkpoints) into torch::nn modules BY NAME.
 *
 * Every parameter and buffer of the module is looked up as `prefix + name` (name as in named_parameters() /
 * named_buffers(), e.g. "layers.0.blocks.1.attn.qkv.weight"). All problems are collected and reported at once:
 * keys the module has but the map lacks (missing), keys under `prefix` the module does not have (unexpected),
 * and shape or dtype-kind mismatches. Values are copied in place (no_grad), converted to the module's dtype and
 * device; an integer buffer only takes integer values and a float tensor only float values.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <map>
#include <string>
#include <vector>

namespace glip::io {

/** What a load found. ok() is true when nothing is missing, unexpected or mismatched. */
struct LoadReport {
  std::vector<std::string> loaded;      // full keys copied into the module
  std::vector<std::string> missing;     // full keys of the module absent from the map
  std::vector<std::string> unexpected;  // keys of the map under `prefix` that the module lacks
  std::vector<std::string> mismatched;  // "key: expected [..] float, got [..] long" lines
  std::vector<std::string> nonfinite;   // "key: N of M values are NaN or Inf" lines (not copied)
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty() && nonfinite.empty(); }
  /** A multi-line description of every problem (empty when ok()). */
  std::string describe() const;
};

struct LoadOptions {
  /** Prepended to each module name to form the key looked up in the map (e.g. "backbone.body."). */
  std::string prefix;
  /** When true, any problem throws glip::InputError naming `source` and every offending key. */
  bool strict = true;
  /** Names the origin of the tensors (a file path) in error messages. */
  std::string source = "state dict";
  /**
   * Tensors with NaN or Inf values are never copied; unless this is set they are an InputError even when not
   * strict (a diverged checkpoint would otherwise load and silently detect nothing).
   */
  bool allow_nonfinite = false;
};

/** "" when every floating tensor is finite, else "tensor 'k' has N of M values NaN or Inf" for the first one. */
std::string nonfinite_problem(const std::map<std::string, at::Tensor>& tensors);
/** The same for one tensor ("" when it is finite or not floating). */
std::string nonfinite_problem(const std::string& key, const at::Tensor& t);

/**
 * Copies tensors from `tensors` into `module`'s parameters and buffers by name. Mismatched tensors are never
 * copied. In strict mode throws glip::InputError listing all problems; otherwise returns the report.
 */
LoadReport load_state_dict(torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors,
                           const LoadOptions& options = {});

/** The module's parameters and buffers as `prefix + name` -> tensor (shared storage, not copies). */
std::map<std::string, at::Tensor> state_dict(const torch::nn::Module& module, const std::string& prefix = "");

/**
 * Keys starting with `prefix` with the prefix removed; other keys are dropped. Used to strip "module." from
 * DistributedDataParallel checkpoints or to select a sub-module's entries.
 */
std::map<std::string, at::Tensor> strip_prefix(const std::map<std::string, at::Tensor>& tensors,
                                               const std::string& prefix);

}  // namespace glip::io
