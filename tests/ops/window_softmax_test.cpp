// glip::ops::window_softmax_ against the official Swin composition, softmax((attn + bias) + mask), computed by ATen
// in float64: windows of 7 x 7 and 12 x 12 tokens, shifted (a mask per window) and not, rows that underflow,
// independence of the thread count, and its refusals.
#include "glip/ops/window_softmax.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "glip/core/error.h"

namespace glip {
namespace {

struct Maps {
  at::Tensor attn, bias, mask;
};

// B windows of nW masks (0 / -100 between the shifted regions, as Swin's), nH heads, N tokens.
Maps random_maps(int64_t B, int64_t nW, int64_t nH, int64_t N, double spread) {
  Maps m;
  m.attn = torch::randn({B, nH, N, N}) * spread;
  m.bias = torch::randn({nH, N, N}) * 0.5;
  if (nW > 0) {
    auto region = torch::randint(0, 4, {nW, N});
    m.mask = at::zeros({nW, N, N}).masked_fill_(region.unsqueeze(1) != region.unsqueeze(2), -100.0);
  }
  return m;
}

// The official composition in the given precision, returned in float64.
at::Tensor official(const Maps& m, at::ScalarType precision) {
  auto a = m.attn.to(precision) + m.bias.to(precision).unsqueeze(0);
  if (m.mask.defined()) {
    const int64_t nW = m.mask.size(0), nH = a.size(1), N = a.size(2);
    a = (a.view({-1, nW, nH, N, N}) + m.mask.to(precision).unsqueeze(1).unsqueeze(0)).view({-1, nH, N, N});
  }
  return at::softmax(a, -1).to(at::kDouble);
}

// Within 1e-6 of the float64 reference, or as close as LibTorch's own float32 composition comes to it (+1e-6):
// scores of hundreds lose ~1e-5 already when the bias is added in float32.
void expect_matches(const Maps& m, const std::string& what) {
  auto ref = official(m, at::kDouble);
  const double aten_error = (official(m, at::kFloat) - ref).abs().max().item<double>();
  auto got = m.attn.clone();
  torch::NoGradGuard ng;
  ASSERT_TRUE(ops::supports_fused_window_softmax(got, m.bias, m.mask)) << what;
  ops::window_softmax_(got, m.bias, m.mask);
  const double error = (got.to(at::kDouble) - ref).abs().max().item<double>();
  EXPECT_LT(error, std::max(1e-6, aten_error + 1e-6)) << what << " (LibTorch's float32 error " << aten_error << ")";
  EXPECT_LT((got.to(at::kDouble).sum(-1) - 1).abs().max().item<double>(), 1e-5) << what;
}

TEST(WindowSoftmax, MatchesTheOfficialCompositionForSwinTAndSwinLWindows) {
  torch::manual_seed(0);
  expect_matches(random_maps(6, 3, 3, 49, 3.0), "7 x 7 windows, shifted");
  expect_matches(random_maps(4, 0, 2, 49, 3.0), "7 x 7 windows, not shifted");
  expect_matches(random_maps(4, 2, 6, 144, 3.0), "12 x 12 windows, shifted");
  expect_matches(random_maps(1, 1, 1, 5, 3.0), "a window of 5 tokens (shorter than the 16 lanes)");
}

TEST(WindowSoftmax, RowsWhoseTermsUnderflowStayNormalised) {
  torch::manual_seed(1);
  expect_matches(random_maps(2, 2, 2, 49, 200.0), "scores spread over +-600: most terms underflow to 0");
}

TEST(WindowSoftmax, ResultsDoNotDependOnTheThreadCount) {
  torch::manual_seed(2);
  auto m = random_maps(12, 4, 3, 49, 3.0);
  torch::NoGradGuard ng;
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  auto one = m.attn.clone();
  ops::window_softmax_(one, m.bias, m.mask);
  at::set_num_threads(2);
  auto two = m.attn.clone();
  ops::window_softmax_(two, m.bias, m.mask);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one, two));
}

TEST(WindowSoftmax, RefusesWhatItDoesNotSupport) {
  torch::manual_seed(3);
  auto m = random_maps(6, 3, 2, 49, 1.0);
  torch::NoGradGuard ng;
  auto masks4 = random_maps(6, 4, 2, 49, 1.0).mask;  // 4 masks for 6 windows
  EXPECT_FALSE(ops::supports_fused_window_softmax(m.attn, m.bias, masks4));
  EXPECT_FALSE(ops::supports_fused_window_softmax(m.attn, m.bias.narrow(0, 0, 1), m.mask));
  EXPECT_FALSE(ops::supports_fused_window_softmax(m.attn.transpose(2, 3), m.bias, m.mask));
  EXPECT_FALSE(ops::supports_fused_window_softmax(m.attn.to(at::kDouble), m.bias, m.mask));
  EXPECT_FALSE(ops::supports_fused_window_softmax(m.attn, m.bias, m.mask.narrow(2, 0, 48)));
  auto a = m.attn.clone();
  try {
    ops::window_softmax_(a, m.bias, masks4);
    ADD_FAILURE() << "4 masks for 6 windows were accepted";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[6, 2, 49, 49]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[4, 49, 49]"), std::string::npos) << msg;
  }
  EXPECT_TRUE(torch::equal(a, m.attn)) << "a refused call leaves attn as it was";
}

TEST(WindowSoftmax, ProductsThatRecordAGradientAreRefused) {
  auto m = random_maps(2, 1, 1, 49, 1.0);
  auto attn = m.attn.clone().requires_grad_();
  EXPECT_FALSE(ops::supports_fused_window_softmax(attn, m.bias, m.mask));
  torch::NoGradGuard ng;
  EXPECT_TRUE(ops::supports_fused_window_softmax(attn, m.bias, m.mask)) << "no gradient is recorded here";
}

}  // namespace
}  // namespace glip
