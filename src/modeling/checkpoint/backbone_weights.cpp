// Backbone-only initial weights (model.backbone_weight): an ImageNet Swin / ResNet checkpoint into backbone.body.
#include <filesystem>

#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/core/strings.h"
#include "glip/io/safetensors.h"
#include "glip/io/torch_pickle.h"
#include "glip/modeling/checkpoint.h"

namespace glip::modeling {
namespace {

std::string strip_leading(std::string key) {
  for (const char* p : {"module.", "backbone.body.", "backbone.", "body."})
    if (starts_with(key, p)) key = key.substr(std::string_view(p).size());
  return key;
}

std::string first(const std::vector<std::string>& v, size_t n = 6) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < n; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > n) out += ", ... (" + std::to_string(v.size()) + " in all)";
  return out;
}

}  // namespace

io::LoadReport load_backbone_weights(torch::nn::Module& body, const std::string& path) {
  GLIP_CHECK_INPUT(std::filesystem::is_regular_file(path), "backbone checkpoint '", path,
                   "' does not exist or is not a file (expected a Swin / ResNet .pth or a .safetensors)");
  const auto raw =
      is_torch_pickle_file(path) ? io::load_torch_tensors(path, "model").tensors : io::load_safetensors(path).tensors;
  std::map<std::string, at::Tensor> tensors;
  std::vector<std::string> file_keys;
  for (const auto& [k, v] : raw) {
    file_keys.push_back(k);
    const std::string key = strip_leading(k);
    GLIP_CHECK_INPUT(tensors.emplace(key, v).second, "backbone checkpoint '", path, "': key '", k,
                     "' names the same tensor as another key once its prefix is removed");
  }
  io::LoadOptions opts;
  opts.strict = false;
  opts.source = "backbone checkpoint '" + path + "'";
  auto report = io::load_state_dict(body, tensors, opts);
  GLIP_CHECK_INPUT(report.mismatched.empty() && report.nonfinite.empty(), "backbone checkpoint '", path,
                   "' does not fit model.conv_body / the backbone sizes of the config:\n", report.describe());
  GLIP_CHECK_INPUT(!report.loaded.empty(), "backbone checkpoint '", path, "': none of its ", raw.size(),
                   " tensors is a parameter of the backbone body (expected keys such as patch_embed.proj.weight "
                   "or stem.conv1.weight, optionally under backbone.body.); first keys: ",
                   first(file_keys));
  GLIP_LOG_INFO(
      "[checkpoint] backbone {}: loaded {} tensors; {} missing (kept at their initialisation){}{}; {} "
      "unexpected (ignored){}{}",
      path, report.loaded.size(), report.missing.size(), report.missing.empty() ? "" : ": ", first(report.missing),
      report.unexpected.size(), report.unexpected.empty() ? "" : ": ", first(report.unexpected));
  return report;
}

}  // namespace glip::modeling
