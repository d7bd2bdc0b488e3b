#include "glip/io/state_dict.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "glip/core/error.h"

namespace glip::io {
namespace {

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    fc = register_module("fc", torch::nn::Linear(3, 2));
    index = register_buffer("index", at::arange(4, at::kLong));
  }
  torch::nn::Linear fc{nullptr};
  at::Tensor index;
};
TORCH_MODULE(Tiny);

std::map<std::string, at::Tensor> good_map() {
  return {{"m.fc.weight", at::ones({2, 3})},
          {"m.fc.bias", at::full({2}, 2.0)},
          {"m.index", at::arange(4, at::kLong).flip(0)}};
}

}  // namespace

TEST(StateDict, LoadsByNameWithPrefix) {
  Tiny t;
  auto map = good_map();
  map["other.x"] = at::zeros({1});  // outside the prefix: ignored
  auto r = load_state_dict(*t, map, {"m.", true, "test"});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.loaded.size(), 3u);
  EXPECT_TRUE(t->fc->weight.equal(at::ones({2, 3})));
  EXPECT_TRUE(t->fc->bias.equal(at::full({2}, 2.0)));
  EXPECT_TRUE(t->index.equal(at::arange(4, at::kLong).flip(0)));
  EXPECT_TRUE(t->fc->weight.requires_grad());
}

TEST(StateDict, ReportsEveryProblemAtOnce) {
  Tiny t;
  auto map = good_map();
  map.erase("m.fc.bias");                 // missing
  map["m.fc.extra"] = at::zeros({1});     // unexpected
  map["m.fc.weight"] = at::ones({3, 2});  // wrong shape
  map["m.index"] = at::zeros({4});        // float into an integer buffer
  try {
    load_state_dict(*t, map, {"m.", true, "ckpt.safetensors"});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("ckpt.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("m.fc.bias"), std::string::npos) << msg;
    EXPECT_NE(msg.find("m.fc.extra"), std::string::npos) << msg;
    EXPECT_NE(msg.find("m.fc.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("m.index"), std::string::npos) << msg;
  }
  auto r = load_state_dict(*t, map, {"m.", false, "x"});
  EXPECT_EQ(r.missing, std::vector<std::string>{"m.fc.bias"});
  EXPECT_EQ(r.unexpected, std::vector<std::string>{"m.fc.extra"});
  EXPECT_EQ(r.mismatched.size(), 2u);
  EXPECT_FALSE(t->fc->weight.equal(at::ones({3, 2}).t()));  // mismatched tensors are not copied
}

TEST(StateDict, StateDictAndStripPrefixRoundTrip) {
  Tiny a, b;
  auto sd = state_dict(*a, "module.");
  EXPECT_EQ(sd.size(), 3u);
  auto stripped = strip_prefix(sd, "module.");
  EXPECT_TRUE(stripped.count("fc.weight"));
  load_state_dict(*b, stripped);
  EXPECT_TRUE(b->fc->weight.equal(a->fc->weight));
}

}  // namespace glip::io
