// glip::ops::linear / matmul / mm_out on oneDNN's sgemm against ATen's own products (at::linear, at::matmul,
// at::mm, in float64 for the reference): values, gradients, strided and expanded operands, the fallbacks and
// GLIP_GEMM's errors.
#include "glip/ops/gemm.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "common/scoped_env.h"
#include "glip/core/error.h"

namespace glip {
namespace {

// Runs the test body with the oneDNN backend, restoring the previous one.
class Gemm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ops::have_onednn()) GTEST_SKIP() << "built without oneDNN";
    saved_ = ops::gemm_backend();
    ops::set_gemm_backend(ops::GemmBackend::onednn);
  }
  void TearDown() override {
    if (ops::have_onednn()) ops::set_gemm_backend(saved_);
  }
  ops::GemmBackend saved_ = ops::GemmBackend::aten;
};

// float32 results against the float64 product; K up to 300 keeps the error well under 1e-4 relative.
void expect_close(const at::Tensor& got, const at::Tensor& ref64, const char* what) {
  ASSERT_EQ(got.sizes(), ref64.sizes()) << what;
  EXPECT_EQ(got.scalar_type(), at::kFloat) << what;
  const double err = (got.to(at::kDouble) - ref64).abs().max().item<double>();
  const double scale = ref64.abs().max().item<double>() + 1e-12;
  EXPECT_LT(err / scale, 2e-6) << what;
}

TEST_F(Gemm, LinearMatchesATenInValueAndGradientWithAndWithoutBias) {
  torch::manual_seed(0);
  for (bool with_bias : {true, false}) {
    auto x = torch::randn({3, 37, 300}, torch::requires_grad());
    auto w = torch::randn({129, 300}, torch::requires_grad());
    auto b = with_bias ? torch::randn({129}, torch::requires_grad()) : at::Tensor();
    auto y = ops::linear(x, w, b);
    auto g = torch::randn({3, 37, 129});
    y.backward(g);
    auto x64 = x.detach().to(at::kDouble).requires_grad_(), w64 = w.detach().to(at::kDouble).requires_grad_();
    auto b64 = with_bias ? b.detach().to(at::kDouble).requires_grad_() : at::Tensor();
    auto y64 = at::linear(x64, w64, b64);
    y64.backward(g.to(at::kDouble));
    expect_close(y, y64.detach(), "y");
    expect_close(x.grad(), x64.grad(), "dx");
    expect_close(w.grad(), w64.grad(), "dw");
    if (with_bias) expect_close(b.grad(), b64.grad(), "db");
  }
}

TEST_F(Gemm, MatmulReadsTransposedPermutedAndExpandedOperandsWithoutCopies) {
  torch::manual_seed(1);
  // Swin's pattern: q, k, v as permuted views of one [B, N, 3, H, D] projection.
  auto qkv = torch::randn({4, 49, 3, 3, 32}, torch::requires_grad());
  auto t = qkv.permute({2, 0, 3, 1, 4});
  auto q = t[0], k = t[1];
  auto s = ops::matmul(q, k.transpose(-2, -1));  // [4, 3, 49, 49]
  auto g = torch::randn(s.sizes());
  s.backward(g);
  auto qkv64 = qkv.detach().to(at::kDouble).requires_grad_();
  auto t64 = qkv64.permute({2, 0, 3, 1, 4});
  auto s64 = at::matmul(t64[0], t64[1].transpose(-2, -1));
  s64.backward(g.to(at::kDouble));
  expect_close(s, s64.detach(), "scores");
  expect_close(qkv.grad(), qkv64.grad(), "d qkv");
  // A broadcast operand (batch stride 0) and a column-major one.
  auto a = torch::randn({5, 64, 17});
  auto bm = torch::randn({1, 40, 17}).expand({5, 40, 17}).transpose(1, 2);  // [5, 17, 40], stride 0 over batch
  expect_close(ops::matmul(a, bm), at::matmul(a.to(at::kDouble), bm.to(at::kDouble)), "expanded");
}

TEST_F(Gemm, ManySmallProductsRunInParallelAndMatchTheSerialOnesExactly) {
  torch::manual_seed(2);
  auto a = torch::randn({300, 49, 32}), b = torch::randn({300, 32, 49});
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  auto one = ops::matmul(a, b);
  at::set_num_threads(2);
  auto two = ops::matmul(a, b);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one, two)) << "each small product runs on one thread either way";
  expect_close(two, at::matmul(a.to(at::kDouble), b.to(at::kDouble)), "batched");
}

// Products of 1e8 FLOP and more are shared out by glip (whole items, or each item's larger side in one block per
// thread) and small operands whose rows lie apart are copied dense first: the same values as ATen's.
TEST_F(Gemm, LargeProductsSplitBetweenThreadsMatchATen) {
  torch::manual_seed(4);
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  auto ref = [](const at::Tensor& a, const at::Tensor& b) { return at::matmul(a.to(at::kDouble), b.to(at::kDouble)); };
  auto tall = torch::randn({1, 2000, 256}), narrow = torch::randn({1, 256, 200});  // rows split
  expect_close(ops::matmul(tall, narrow), ref(tall, narrow), "rows split");
  auto wide_a = torch::randn({1, 100, 256}), wide_b = torch::randn({1, 256, 2100});  // columns split
  expect_close(ops::matmul(wide_a, wide_b), ref(wide_a, wide_b), "columns split");
  for (int64_t heads : {4, 3}) {  // 4 items: two per thread; 3: each split in two
    auto q = torch::randn({1000, heads * 128}), k = torch::randn({400, heads * 128});
    auto qh = q.view({1000, heads, 128}).transpose(0, 1), kh = k.view({400, heads, 128}).transpose(0, 1);
    expect_close(ops::matmul(qh, kh.transpose(1, 2)), ref(qh, kh.transpose(1, 2)), "heads, gapped B^T");
    auto p = torch::randn({heads, 1000, 400});
    auto v = torch::randn({400, heads * 128});
    auto vh = v.view({400, heads, 128}).transpose(0, 1);  // [heads, 400, 128], rows heads * 128 apart
    expect_close(ops::matmul(p, vh), ref(p, vh), "heads, gapped B");
  }
  at::set_num_threads(threads);
}

TEST_F(Gemm, MatmulOutWritesIntoTheColumnsOfAWiderMatrix) {
  torch::manual_seed(5);
  const int64_t H = 3, N = 50, T = 20, D = 8;
  auto p = torch::randn({H, N, T}), v = torch::randn({H, T, D});
  auto wide = torch::full({N, H * D + 2}, 7.f);  // two columns past the heads stay as they are
  ops::matmul_out(wide.narrow(1, 0, H * D).view({N, H, D}).transpose(0, 1), p, v);
  auto ref = at::matmul(p.to(at::kDouble), v.to(at::kDouble)).transpose(0, 1).reshape({N, H * D});
  expect_close(wide.narrow(1, 0, H * D).contiguous(), ref, "heads into columns");
  EXPECT_TRUE(torch::equal(wide.narrow(1, H * D, 2), torch::full({N, 2}, 7.f)));
  auto pg = p.clone().requires_grad_();
  auto out = torch::empty({H, N, D});
  EXPECT_THROW(ops::matmul_out(out, pg, v), Error) << "a gradient cannot be recorded into a view";
}

TEST_F(Gemm, MmOutAccumulatesIntoAColumnBlock) {
  torch::manual_seed(7);
  auto a = torch::randn({12, 40}), b = torch::randn({40, 30});
  auto wide = torch::randn({12, 50});
  const auto before = wide.clone();
  auto block = wide.narrow(1, 10, 30);  // rows 50 floats apart
  ops::mm_out(block, a, b, 1.f);
  auto ref = before.narrow(1, 10, 30).to(at::kDouble) + at::mm(a.to(at::kDouble), b.to(at::kDouble));
  expect_close(wide.narrow(1, 10, 30).contiguous(), ref, "beta = 1 into a column block");
  EXPECT_TRUE(torch::equal(wide.narrow(1, 0, 10), before.narrow(1, 0, 10)));
  EXPECT_TRUE(torch::equal(wide.narrow(1, 40, 10), before.narrow(1, 40, 10)));
  auto strided = torch::empty({30, 12}).t();
  EXPECT_THROW(ops::mm_out(strided, a, b), Error) << "columns must have unit stride";
}

TEST_F(Gemm, LinearScaleRidesOnTheProductAndTheBias) {
  torch::manual_seed(6);
  auto x = torch::randn({2, 33, 64}, torch::requires_grad()), w = torch::randn({48, 64}, torch::requires_grad());
  auto b = torch::randn({48}, torch::requires_grad());
  auto g = torch::randn({2, 33, 48});
  ops::linear(x, w, b, 0.3).backward(g);
  auto x64 = x.detach().to(at::kDouble).requires_grad_(), w64 = w.detach().to(at::kDouble).requires_grad_();
  auto b64 = b.detach().to(at::kDouble).requires_grad_();
  auto y64 = at::linear(x64, w64, b64) * 0.3;
  y64.backward(g.to(at::kDouble));
  expect_close(ops::linear(x, w, b, 0.3).detach(), y64.detach(), "y");
  expect_close(x.grad(), x64.grad(), "dx");
  expect_close(w.grad(), w64.grad(), "dw");
  expect_close(b.grad(), b64.grad(), "db");
  // A power-of-two scale (the fusion block's 1/16) gives the bits of the official linear(x) * scale.
  torch::NoGradGuard ng;
  EXPECT_TRUE(torch::equal(ops::linear(x, w, b, 0.0625), ops::linear(x, w, b) * 0.0625));
}

TEST_F(Gemm, MmOutAccumulatesWithBetaAndHandlesEmptyAndZeroK) {
  torch::manual_seed(3);
  auto a = torch::randn({70, 90}), b = torch::randn({90, 110}), c = torch::randn({70, 110});
  auto ref = c.to(at::kDouble) + at::mm(a.to(at::kDouble), b.to(at::kDouble));
  ops::mm_out(c, a, b, 1.f);
  expect_close(c, ref, "beta 1");
  auto z = torch::full({4, 5}, 3.f);
  ops::mm_out(z, torch::empty({4, 0}), torch::empty({0, 5}), 0.f);
  EXPECT_EQ(z.abs().sum().item<float>(), 0.f);
  auto e = torch::empty({0, 5});
  ops::mm_out(e, torch::empty({0, 3}), torch::randn({3, 5}));
  EXPECT_THROW(ops::mm_out(c, a, b.t()), Error);
}

TEST(GemmFallback, OtherDtypesAndTheAtenBackendAreATenItself) {
  const auto saved = ops::gemm_backend();
  torch::manual_seed(4);
  auto x = torch::randn({6, 8}, at::kDouble), w = torch::randn({5, 8}, at::kDouble), b = torch::randn({5}, at::kDouble);
  EXPECT_TRUE(torch::equal(ops::linear(x, w, b), at::linear(x, w, b)));
  ops::set_gemm_backend(ops::GemmBackend::aten);
  auto xf = torch::randn({2, 6, 8}), wf = torch::randn({2, 8, 3});
  EXPECT_TRUE(torch::equal(ops::matmul(xf, wf), at::matmul(xf, wf)));
  EXPECT_THROW(ops::matmul(xf, torch::randn({3, 8, 3})), Error) << "leading dimensions differ";
  ops::set_gemm_backend(saved);
}

TEST(GemmFallback, GlipGemmTakesOnednnOrAtenAndNamesItselfOtherwise) {
  test::ScopedEnv env("GLIP_GEMM", "mkl");
  try {
    ops::gemm_backend_from_environment();
    ADD_FAILURE() << "GLIP_GEMM=mkl was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("GLIP_GEMM"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mkl"), std::string::npos) << e.what();
  }
  env.set("aten");
  EXPECT_EQ(ops::gemm_backend_from_environment(), ops::GemmBackend::aten);
  env.set("onednn");
  if (ops::have_onednn()) {
    EXPECT_EQ(ops::gemm_backend_from_environment(), ops::GemmBackend::onednn);
  } else {
    EXPECT_THROW(ops::gemm_backend_from_environment(), InputError);
  }
}

}  // namespace
}  // namespace glip
