#include <algorithm>
#include <filesystem>

#include "glip/core/error.h"
#include "glip/core/strings.h"
#include "glip/io/safetensors.h"
#include "glip/io/state_dict.h"
#include "glip/modeling/checkpoint.h"

namespace glip::modeling {

bool is_torch_pickle_file(const std::string& path) {
  return ends_with(path, ".pth") || ends_with(path, ".pt") || ends_with(path, ".bin");
}

void load_initial_weights(torch::nn::Module& model, const std::string& path) {
  GLIP_CHECK_INPUT(std::filesystem::is_regular_file(path), "checkpoint '", path,
                   "' does not exist or is not a file (expected an official .pth or a project .safetensors)");
  const auto tensors = is_torch_pickle_file(path) ? read_official_checkpoint(path) : io::load_safetensors(path).tensors;
  io::LoadOptions opts;
  opts.strict = false;
  opts.source = path;
  auto report = io::load_state_dict(model, tensors, opts);
  auto& missing = report.missing;
  missing.erase(std::remove(missing.begin(), missing.end(), "rpn.tunable_linear.weight"), missing.end());
  GLIP_CHECK_INPUT(report.ok(), "checkpoint '", path, "' does not fit the model built from the config:\n",
                   report.describe());
}

}  // namespace glip::modeling
