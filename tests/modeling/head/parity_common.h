/** Loading of the ATSS loss / post-process parity fixtures (tests/data/glip_parity/README.md g and h). */
#pragma once
#include <ATen/ATen.h>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "common/test_utils.h"
#include "glip/io/safetensors.h"
#include "glip/modeling/head/head_outputs.h"

namespace glip::modeling::parity {

constexpr int kLevels = 5;

inline std::map<std::string, at::Tensor> load(const std::string& name) {
  return io::load_safetensors(test::parity_dir() + "/" + name + ".safetensors").tensors;
}

inline const at::Tensor& get(const std::map<std::string, at::Tensor>& t, const std::string& key) {
  auto it = t.find(key);
  if (it == t.end()) throw std::runtime_error("fixture tensor '" + key + "' missing");
  return it->second;
}

inline HeadOutputs head_outputs(const std::map<std::string, at::Tensor>& t) {
  HeadOutputs o;
  for (int l = 0; l < kLevels; ++l) {
    const auto s = ".L" + std::to_string(l);
    o.box_cls.push_back(get(t, "input.box_cls" + s));
    o.box_regression.push_back(get(t, "input.box_regression" + s));
    o.centerness.push_back(get(t, "input.centerness" + s));
    o.dot_product_logits.push_back(get(t, "input.dot_product_logits" + s));
  }
  return o;
}

inline std::vector<at::Tensor> anchors(const std::map<std::string, at::Tensor>& t) {
  std::vector<at::Tensor> a;
  for (int l = 0; l < kLevels; ++l) a.push_back(get(t, "input.anchors.L" + std::to_string(l)));
  return a;
}

inline std::vector<std::array<int64_t, 2>> image_sizes(const std::map<std::string, at::Tensor>& t) {
  auto s = get(t, "input.image_sizes_hw").to(at::kLong);
  std::vector<std::array<int64_t, 2>> out;
  for (int64_t i = 0; i < s.size(0); ++i) out.push_back({s[i][0].item<int64_t>(), s[i][1].item<int64_t>()});
  return out;
}

}  // namespace glip::modeling::parity
