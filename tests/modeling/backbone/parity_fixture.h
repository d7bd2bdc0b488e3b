// Loading a GLIP parity fixture (<name>.safetensors + <name>.json from glip::test::parity_dir()).
#pragma once
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "common/test_utils.h"
#include "glip/io/safetensors.h"

namespace glip::test {

struct ParityFixture {
  std::map<std::string, at::Tensor> tensors;
  double rtol = 1e-5, atol = 1e-5;
  const at::Tensor& at(const std::string& key) const {
    auto it = tensors.find(key);
    if (it == tensors.end()) throw std::runtime_error("fixture tensor '" + key + "' missing");
    return it->second;
  }
};

inline ParityFixture load_parity_fixture(const std::string& name) {
  ParityFixture f;
  const std::string base = parity_dir() + "/" + name;
  f.tensors = io::load_safetensors(base + ".safetensors").tensors;
  std::ifstream in(base + ".json");
  if (in) {
    auto j = nlohmann::json::parse(in);
    f.rtol = j.at("tolerance").at("rtol").get<double>();
    f.atol = j.at("tolerance").at("atol").get<double>();
  }
  return f;
}

}  // namespace glip::test
