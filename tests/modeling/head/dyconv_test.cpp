#include "glip/modeling/head/dyconv.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/test_utils.h"
#include "glip/io/state_dict.h"

namespace glip::modeling {
namespace {

std::vector<at::Tensor> pyramid(int64_t n, int64_t c) {
  return {at::randn({n, c, 12, 17}), at::randn({n, c, 6, 9}), at::randn({n, c, 3, 5}), at::randn({n, c, 2, 3}),
          at::randn({n, c, 1, 2})};
}

}  // namespace

TEST(DyConv, OfficialKeyNames) {
  DyConv dy(DyConvOptions{32, 32});
  auto sd = io::state_dict(*dy);
  std::vector<std::string> keys;
  for (auto& [k, v] : sd) keys.push_back(k);
  const std::vector<std::string> expected{
      "AttnConv.1.bias",    "AttnConv.1.weight",    "DyConv.0.bn.bias", "DyConv.0.bn.weight",
      "DyConv.0.conv.bias", "DyConv.0.conv.weight", "DyConv.1.bn.bias", "DyConv.1.bn.weight",
      "DyConv.1.conv.bias", "DyConv.1.conv.weight", "DyConv.2.bn.bias", "DyConv.2.bn.weight",
      "DyConv.2.conv.bias", "DyConv.2.conv.weight", "offset.bias",      "offset.weight",
      "relu.fc.0.bias",     "relu.fc.0.weight",     "relu.fc.2.bias",   "relu.fc.2.weight"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(sd["relu.fc.2.weight"].sizes().vec(), (std::vector<int64_t>{128, 8}));
}

TEST(DyConv, ZeroOffsetsUnitMaskEqualsThePlainConvBlock) {
  // With the offset conv producing offset 0 and mask logits +50 (mask 1), every deformable conv is a plain conv.
  DyConv deform(DyConvOptions{16, 16, true, true, true, 4});
  DyConv plain(DyConvOptions{16, 16, true, true, false, 4});
  {
    torch::NoGradGuard ng;
    deform->offset->weight.zero_();
    deform->offset->bias.zero_();
    deform->offset->bias.slice(0, 18, 27).fill_(50.0);
    auto sd = io::state_dict(*deform);
    for (auto& [k, v] : sd) v.normal_(0, 0.3).add_(k.find("bn.weight") != std::string::npos ? 1.0 : 0.0);
    deform->offset->weight.zero_();
    deform->offset->bias.zero_();
    deform->offset->bias.slice(0, 18, 27).fill_(50.0);
    io::load_state_dict(*plain, sd, {"", false, "deform"});
  }
  auto x = pyramid(2, 16);
  auto a = deform(x), b = plain(x);
  for (size_t l = 0; l < a.size(); ++l) EXPECT_ALL_CLOSE(a[l], b[l], 1e-4, 1e-5);
}

TEST(DyConv, MatchesAManualComposition) {
  DyConv dy(DyConvOptions{16, 16, true, true, true, 4});
  torch::NoGradGuard ng;
  for (auto& p : dy->parameters()) p.normal_(0, 0.2);
  auto x = pyramid(2, 16);
  auto out = dy(x);
  auto conv = [&](size_t i) -> Conv3x3NormImpl& { return *dy->DyConv[i]->as<Conv3x3NormImpl>(); };
  const size_t l = 2;  // a middle level: all three branches
  auto [off, mask] = dy->offset_and_mask(x[l]);
  std::vector<at::Tensor> t{conv(1).forward(x[l], off, mask), conv(2).forward(x[l - 1], off, mask),
                            at::upsample_bilinear2d(conv(0).forward(x[l + 1], off, mask),
                                                    std::vector<int64_t>{x[l].size(2), x[l].size(3)}, true)};
  at::Tensor acc = at::zeros_like(t[0]);
  for (auto& ti : t) {
    auto a = at::relu(at::conv2d(ti.mean({2, 3}, true), dy->AttnConv[1]->as<torch::nn::Conv2dImpl>()->weight,
                                 dy->AttnConv[1]->as<torch::nn::Conv2dImpl>()->bias));
    acc = acc + ti * (at::clamp(a + 3, 0, 6) / 6);
  }
  auto fused = acc / 3;
  auto y = dy->relu->fc->forward(fused.mean({2, 3}));
  y = (at::clamp(y + 3, 0, 6) / 6).view({2, 64, 1, 1});
  auto p = y.split(16, 1);
  auto ref = at::max(fused * ((p[0] - 0.5) * 2 + 1) + (p[1] - 0.5), fused * ((p[2] - 0.5) * 2) + (p[3] - 0.5));
  EXPECT_ALL_CLOSE(out[l], ref, 1e-5, 1e-5);
}

TEST(DyConv, BackwardReachesEveryParameter) {
  DyConv dy(DyConvOptions{16, 16, true, true, true, 4});
  auto x = pyramid(1, 16);
  for (auto& t : x) t.set_requires_grad(true);
  at::Tensor loss = at::zeros({});
  for (auto& o : dy(x)) loss = loss + o.pow(2).sum();
  loss.backward();
  for (auto& p : dy->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(p.value().grad().isfinite().all().item<bool>()) << p.key();
  }
  for (auto& t : x) EXPECT_TRUE(t.grad().defined());
}

TEST(DyConv, HSigmoid) {
  auto x = at::tensor({-4.0, -3.0, 0.0, 1.5, 3.0, 5.0});
  EXPECT_ALL_CLOSE(h_sigmoid(x), at::tensor({0.0, 0.0, 0.5, 0.75, 1.0, 1.0}), 1e-7, 1e-7);
}

}  // namespace glip::modeling
