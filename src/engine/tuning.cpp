#include "glip/engine/tuning.h"

#include <algorithm>

#include "glip/core/error.h"
#include "glip/core/strings.h"

namespace glip::engine {
namespace {

bool contains(const std::string& s, const char* p) { return s.find(p) != std::string::npos; }

bool linear_probe_trains(const std::string& name) {
  if (!starts_with(name, "rpn.")) return false;
  const std::string rel = name.substr(4);
  for (const char* k : {"bbox_pred", "cls_logits", "centerness", "cosine_scale", "dot_product_projection_text",
                        "head.log_scale", "head.bias_lang", "head.bias0"}) {
    if (contains(rel, k)) return true;
  }
  return false;
}

bool in_frozen_stage(const std::string& name, int64_t at) {
  if (at < 0) return false;
  if (name == "backbone.body.absolute_pos_embed") return at >= 1;  // Swin: a parameter, not a module
  for (const auto& m : frozen_modules("full", at))
    if (starts_with(name, m + ".")) return true;
  return false;
}

}  // namespace

int64_t apply_training_mode(const std::vector<std::pair<std::string, at::Tensor>>& named_params,
                            const std::string& mode, int64_t freeze_conv_body_at) {
  GLIP_CHECK_INPUT(mode == "full" || mode == "linear_prob" || mode == "language_prompt_v2", "training mode '", mode,
                   "' is unknown; expected full, linear_prob or language_prompt_v2");
  int64_t trainable = 0;
  for (const auto& [name, p] : named_params) {
    bool train = true;
    if (mode == "linear_prob") {
      train = linear_probe_trains(name);
    } else if (mode == "language_prompt_v2") {
      train = starts_with(name, "rpn.") && contains(name, "tunable_linear");
    }
    if (in_frozen_stage(name, freeze_conv_body_at)) train = false;
    at::Tensor t = p;
    t.set_requires_grad(train);
    trainable += train ? 1 : 0;
  }
  GLIP_CHECK_INPUT(trainable > 0, "training mode '", mode, "' (freeze_conv_body_at ", freeze_conv_body_at,
                   ") leaves no trainable parameter in the model");
  return trainable;
}

std::vector<std::string> frozen_modules(const std::string& mode, int64_t freeze_conv_body_at) {
  std::vector<std::string> out;
  if (mode == "linear_prob" || mode == "language_prompt_v2")
    out = {"backbone.body", "backbone.fpn", "language_backbone"};
  if (mode == "language_prompt_v2") out.push_back("rpn.head");
  const int64_t at = freeze_conv_body_at;
  if (at >= 0) out.push_back("backbone.body.patch_embed");
  for (int64_t i = 0; i + 2 <= at; ++i) out.push_back("backbone.body.layers." + std::to_string(i));
  if (at >= 1) out.push_back("backbone.body.stem");
  for (int64_t k = 1; k < at; ++k) out.push_back("backbone.body.layer" + std::to_string(k));
  return out;
}

int64_t set_frozen_modules_eval(torch::nn::Module& model, const std::string& mode, int64_t freeze_conv_body_at) {
  const auto names = frozen_modules(mode, freeze_conv_body_at);
  int64_t found = 0;
  for (const auto& item : model.named_modules()) {
    if (std::find(names.begin(), names.end(), item.key()) == names.end()) continue;
    item.value()->eval();
    ++found;
  }
  return found;
}

}  // namespace glip::engine
