#include "glip/ops/deform_conv.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>

#include "common/test_utils.h"
#include "glip/core/error.h"

namespace glip::ops {
namespace {

double bilinear(const double* plane, int64_t H, int64_t W, double h, double w) {
  if (!(h > -1 && w > -1 && h < H && w < W)) return 0.0;
  const int64_t hl = static_cast<int64_t>(std::floor(h)), wl = static_cast<int64_t>(std::floor(w));
  const double lh = h - hl, lw = w - wl;
  auto at = [&](int64_t y, int64_t x) { return (y >= 0 && x >= 0 && y < H && x < W) ? plane[y * W + x] : 0.0; };
  return (1 - lh) * (1 - lw) * at(hl, wl) + (1 - lh) * lw * at(hl, wl + 1) + lh * (1 - lw) * at(hl + 1, wl) +
         lh * lw * at(hl + 1, wl + 1);
}

// Naive per-pixel reference that reads offset/mask exactly like the official CUDA op: from the raw memory of
// offset[b] / mask[b] (data pointer + b * stride(0)) as dense [2K, Ho, Wo] / [K, Ho, Wo] arrays.
at::Tensor naive(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask, const at::Tensor& weight,
                 const at::Tensor& bias, int64_t stride, int64_t pad, int64_t dil) {
  auto in = input.to(at::kDouble).contiguous();
  auto wt = weight.to(at::kDouble).contiguous();
  const int64_t N = in.size(0), C = in.size(1), H = in.size(2), W = in.size(3), O = wt.size(0);
  const int64_t kh = wt.size(2), kw = wt.size(3);
  const int64_t Ho = (H + 2 * pad - dil * (kh - 1) - 1) / stride + 1,
                Wo = (W + 2 * pad - dil * (kw - 1) - 1) / stride + 1;
  auto out = at::zeros({N, O, Ho, Wo}, at::kDouble);
  auto acc = out.accessor<double, 4>();
  const double* id = in.data_ptr<double>();
  const double* wd = wt.data_ptr<double>();
  for (int64_t b = 0; b < N; ++b) {
    auto off_at = [&](int64_t idx) {
      return offset.scalar_type() == at::kDouble
                 ? offset.data_ptr<double>()[b * offset.stride(0) + idx]
                 : static_cast<double>(offset.data_ptr<float>()[b * offset.stride(0) + idx]);
    };
    auto mask_at = [&](int64_t idx) {
      return mask.scalar_type() == at::kDouble ? mask.data_ptr<double>()[b * mask.stride(0) + idx]
                                               : static_cast<double>(mask.data_ptr<float>()[b * mask.stride(0) + idx]);
    };
    for (int64_t o = 0; o < O; ++o)
      for (int64_t y = 0; y < Ho; ++y)
        for (int64_t x = 0; x < Wo; ++x) {
          double s = bias.defined() ? bias[o].item<double>() : 0.0;
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t j = 0; j < kw; ++j) {
              const int64_t k = i * kw + j, pix = y * Wo + x;
              const double h = y * stride - pad + i * dil + off_at(2 * k * Ho * Wo + pix);
              const double w = x * stride - pad + j * dil + off_at((2 * k + 1) * Ho * Wo + pix);
              const double m = mask_at(k * Ho * Wo + pix);
              for (int64_t c = 0; c < C; ++c)
                s += wd[((o * C + c) * kh + i) * kw + j] * m * bilinear(id + (b * C + c) * H * W, H, W, h, w);
            }
          acc[b][o][y][x] = s;
        }
  }
  return out;
}

struct Case {
  int64_t n, c, o, h, w, stride;
};

std::vector<at::Tensor> make(const Case& cs, at::ScalarType dt, uint64_t seed, double offset_scale = 1.5) {
  at::manual_seed(seed);
  const int64_t ho = (cs.h + 2 - 3) / cs.stride + 1, wo = (cs.w + 2 - 3) / cs.stride + 1;
  auto opt = at::TensorOptions().dtype(dt);
  return {at::randn({cs.n, cs.c, cs.h, cs.w}, opt), at::randn({cs.n, 18, ho, wo}, opt) * offset_scale,
          at::rand({cs.n, 9, ho, wo}, opt), at::randn({cs.o, cs.c, 3, 3}, opt) * 0.3, at::randn({cs.o}, opt)};
}

}  // namespace

TEST(DeformConv, MatchesNaiveReference) {
  for (const Case& cs :
       {Case{1, 3, 4, 5, 7, 1}, Case{2, 4, 3, 9, 6, 2}, Case{3, 2, 5, 8, 11, 2}, Case{2, 5, 2, 7, 7, 1}}) {
    for (uint64_t seed : {0u, 1u, 2u}) {
      for (auto dt : {at::kFloat, at::kDouble}) {
        auto t = make(cs, dt, seed);
        auto out = modulated_deform_conv2d(t[0], t[1], t[2], t[3], t[4], cs.stride, 1, 1);
        auto ref = naive(t[0], t[1], t[2], t[3], t[4], cs.stride, 1, 1);
        const double tol = dt == at::kFloat ? 1e-5 : 1e-12;
        EXPECT_TRUE(test::all_close(out.to(at::kDouble), ref, tol, tol, "dcn seed " + std::to_string(seed)));
      }
    }
  }
}

// 33 x 35 = 1,155 output pixels: the forward's tiles of 512 pixels (two whole, one partial), split between 2 threads,
// with and without a bias.
TEST(DeformConv, PixelTilesMatchNaiveReference) {
  const int threads = at::get_num_threads();
  for (int t : {1, 2}) {
    at::set_num_threads(t);
    for (auto dt : {at::kFloat, at::kDouble}) {
      auto in = make({2, 6, 5, 33, 35, 1}, dt, 11);
      const double tol = dt == at::kFloat ? 1e-5 : 1e-12;
      auto out = modulated_deform_conv2d(in[0], in[1], in[2], in[3], in[4], 1, 1, 1);
      EXPECT_TRUE(test::all_close(out.to(at::kDouble), naive(in[0], in[1], in[2], in[3], in[4], 1, 1, 1), tol, tol,
                                  std::to_string(t) + " threads, bias"));
      auto nb = modulated_deform_conv2d(in[0], in[1], in[2], in[3], at::Tensor(), 1, 1, 1);
      EXPECT_TRUE(test::all_close(nb.to(at::kDouble), naive(in[0], in[1], in[2], in[3], at::Tensor(), 1, 1, 1), tol,
                                  tol, std::to_string(t) + " threads, no bias"));
    }
  }
  at::set_num_threads(threads);
}

TEST(DeformConv, NoBiasAndLargeOffsetsOutsideTheImage) {
  auto t = make({2, 3, 4, 6, 5, 1}, at::kDouble, 7, /*offset_scale=*/6.0);
  auto out = modulated_deform_conv2d(t[0], t[1], t[2], t[3], at::Tensor(), 1, 1, 1);
  EXPECT_TRUE(test::all_close(out, naive(t[0], t[1], t[2], t[3], at::Tensor(), 1, 1, 1), 1e-12, 1e-12));
}

TEST(DeformConv, ZeroOffsetsUnitMaskIsRegularConv) {
  for (int64_t stride : {1, 2}) {
    auto t = make({2, 6, 5, 11, 9, stride}, at::kFloat, 3);
    auto out = modulated_deform_conv2d(t[0], at::zeros_like(t[1]), at::ones_like(t[2]), t[3], t[4], stride, 1, 1);
    auto ref = at::conv2d(t[0], t[3], t[4], {stride, stride}, {1, 1});
    EXPECT_ALL_CLOSE(out, ref, 1e-5, 1e-5);
  }
}

TEST(DeformConv, OfficialReadingOfALargerOffsetMap) {
  // GLIP's coarser-level case: offsets come from a 7x9 map as the channel slice of a 27-channel tensor, the
  // output is 4x5 (input 4x5, stride 1): each image's values are read as [18, 4, 5] from its raw memory.
  at::manual_seed(11);
  auto offset_mask = at::randn({2, 27, 7, 9}, at::kDouble);
  auto offset = offset_mask.narrow(1, 0, 18);
  auto mask = offset_mask.narrow(1, 18, 9).sigmoid();
  auto input = at::randn({2, 3, 4, 5}, at::kDouble);
  auto weight = at::randn({4, 3, 3, 3}, at::kDouble);
  auto bias = at::randn({4}, at::kDouble);
  auto out = modulated_deform_conv2d(input, offset, mask, weight, bias, 1, 1, 1);
  EXPECT_TRUE(test::all_close(out, naive(input, offset, mask, weight, bias, 1, 1, 1), 1e-12, 1e-12));
  // and the stride-2 case where sizes match
  auto fine = at::randn({2, 3, 13, 18}, at::kDouble);
  auto out2 = modulated_deform_conv2d(fine, offset, mask, weight, bias, 2, 1, 1);
  EXPECT_TRUE(test::all_close(out2, naive(fine, offset, mask, weight, bias, 2, 1, 1), 1e-12, 1e-12));
}

TEST(DeformConv, RejectsBadArguments) {
  auto t = make({1, 3, 2, 5, 5, 1}, at::kFloat, 0);
  EXPECT_THROW(modulated_deform_conv2d(t[0], t[1].narrow(1, 0, 16), t[2], t[3], t[4]), Error);
  EXPECT_THROW(modulated_deform_conv2d(t[0], t[1], t[2], t[3].narrow(1, 0, 2), t[4]), Error);
  EXPECT_THROW(modulated_deform_conv2d(t[0], t[1].to(at::kDouble), t[2], t[3], t[4]), Error);
  // an offset map smaller than the output would make the official op read past the image's offsets
  EXPECT_THROW(modulated_deform_conv2d(t[0], t[1].narrow(2, 0, 2), t[2], t[3], t[4]), Error);
}

// Finite-difference check of the vector-Jacobian product <R, out> for every element of every input, float64.
void expect_gradients_match(const Case& cs, uint64_t seed, bool official_reading) {
  auto t = make(cs, at::kDouble, seed);
  if (official_reading) {  // offsets/mask from a larger map, read with the output's sizes
    const int64_t ho = t[1].size(2), wo = t[1].size(3);
    t[1] = at::randn({cs.n, 18, ho + 2, wo + 1}, at::kDouble) * 1.5;
    t[2] = at::rand({cs.n, 9, ho + 2, wo + 1}, at::kDouble);
  }
  for (auto& x : t) x.set_requires_grad(true);
  auto fn = [&](const std::vector<at::Tensor>& v) {
    return modulated_deform_conv2d(v[0], v[1], v[2], v[3], v[4], cs.stride, 1, 1);
  };
  auto out = fn(t);
  auto r = at::randn_like(out);
  auto grads = torch::autograd::grad({(out * r).sum()}, t);
  at::NoGradGuard ng;
  const double eps = 1e-6;
  for (size_t a = 0; a < t.size(); ++a) {
    auto base = t[a].detach().clone();
    auto numeric = at::zeros_like(base);
    auto flat = base.view({-1});
    for (int64_t e = 0; e < flat.numel(); ++e) {
      std::vector<at::Tensor> v;
      for (auto& x : t) v.push_back(x.detach());
      const double x0 = flat[e].item<double>();
      auto perturbed = [&](double d) {
        auto p = base.clone();
        p.view({-1})[e] = x0 + d;
        v[a] = p;
        return (fn(v) * r).sum().item<double>();
      };
      numeric.view({-1})[e] = (perturbed(eps) - perturbed(-eps)) / (2 * eps);
    }
    EXPECT_TRUE(test::all_close(grads[a], numeric, 1e-5, 1e-6,
                                "grad of arg " + std::to_string(a) + " seed " + std::to_string(seed)));
  }
}

// 33 x 35 = 1,155 output pixels (the forward's three pixel tiles), larger than the element-wise check above can
// afford: each argument's gradient against a central difference along one random direction (float64), 1 and 2 threads.
TEST(DeformConv, TiledGradientsMatchDirectionalDifferences) {
  const Case cs{1, 3, 2, 33, 35, 1};
  auto t = make(cs, at::kDouble, 12);
  auto fn = [&](const std::vector<at::Tensor>& v) { return modulated_deform_conv2d(v[0], v[1], v[2], v[3], v[4]); };
  auto r = at::randn({1, 2, 33, 35}, at::kDouble);
  const int threads = at::get_num_threads();
  for (int th : {1, 2}) {
    at::set_num_threads(th);
    std::vector<at::Tensor> in;
    for (auto& x : t) in.push_back(x.detach().clone().requires_grad_(true));
    auto grads = torch::autograd::grad({(fn(in) * r).sum()}, in);
    at::NoGradGuard ng;
    for (size_t a = 0; a < t.size(); ++a) {
      auto dir = at::randn_like(t[a]);
      auto along = [&](double e) {
        std::vector<at::Tensor> v(t.begin(), t.end());
        v[a] = t[a] + e * dir;
        return (fn(v) * r).sum().item<double>();
      };
      const double eps = 1e-6, numeric = (along(eps) - along(-eps)) / (2 * eps);
      const double analytic = (grads[a] * dir).sum().item<double>();
      EXPECT_NEAR(analytic, numeric, 1e-6 * (std::abs(numeric) + 1)) << "arg " << a << ", " << th << " threads";
    }
  }
  at::set_num_threads(threads);
}

TEST(DeformConv, GradientsMatchFiniteDifferences) {
  for (uint64_t seed : {0u, 1u, 2u}) {
    expect_gradients_match({2, 2, 2, 4, 5, 1}, seed, false);
    expect_gradients_match({2, 2, 3, 7, 5, 2}, seed, false);
  }
  expect_gradients_match({1, 2, 2, 3, 3, 1}, 5, false);
}

TEST(DeformConv, GradientsThroughTheOfficialReading) { expect_gradients_match({2, 2, 2, 4, 5, 1}, 3, true); }

// The CUDA kernels (built with GLIP_WITH_CUDA) against the CPU op, forward and every gradient, float64, strides 1
// and 2, batch > 1, odd sizes and the official reading of a larger offset map. Skipped where no GPU is present
// (CI, the development machine); on a GPU machine it is the device check of the CUDA path.
TEST(DeformConvCuda, MatchesTheCpuOp) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const at::Device gpu(at::kCUDA);
  for (const Case& cs : {Case{2, 3, 4, 7, 9, 1}, Case{3, 4, 3, 9, 6, 2}, Case{1, 5, 2, 11, 8, 2}}) {
    for (const bool official_reading : {false, true}) {
      auto t = make(cs, at::kDouble, 21);
      if (official_reading) {
        const int64_t ho = t[1].size(2), wo = t[1].size(3);
        t[1] = at::randn({cs.n, 18, ho + 2, wo + 1}, at::kDouble) * 1.5;
        t[2] = at::rand({cs.n, 9, ho + 2, wo + 1}, at::kDouble);
      }
      std::vector<at::Tensor> cpu, cuda;
      for (auto& x : t) {
        cpu.push_back(x.clone().set_requires_grad(true));
        cuda.push_back(x.to(gpu).set_requires_grad(true));
      }
      auto run = [&](const std::vector<at::Tensor>& v) {
        return modulated_deform_conv2d(v[0], v[1], v[2], v[3], v[4], cs.stride, 1, 1);
      };
      const auto out_cpu = run(cpu), out_cuda = run(cuda);
      const auto r = at::randn_like(out_cpu);
      const auto g_cpu = torch::autograd::grad({(out_cpu * r).sum()}, cpu);
      const auto g_cuda = torch::autograd::grad({(out_cuda * r.to(gpu)).sum()}, cuda);
      const std::string what = "stride " + std::to_string(cs.stride) + (official_reading ? " official reading" : "");
      EXPECT_TRUE(test::all_close(out_cuda.cpu(), out_cpu, 1e-10, 1e-10, "output, " + what));
      for (size_t a = 0; a < g_cpu.size(); ++a)
        EXPECT_TRUE(test::all_close(g_cuda[a].cpu(), g_cpu[a], 1e-9, 1e-9, "grad " + std::to_string(a) + ", " + what));
    }
  }
}

TEST(DeformConv, OnlyRequestedGradientsAreComputed) {
  auto t = make({2, 3, 2, 6, 6, 1}, at::kFloat, 4);
  t[3].set_requires_grad(true);
  auto out = modulated_deform_conv2d(t[0], t[1], t[2], t[3], t[4]);
  out.sum().backward();
  ASSERT_TRUE(t[3].grad().defined());
  EXPECT_FALSE(t[0].grad().defined());
  // weight gradient equals the GEMM of the output gradient with the (naive) columns: check via double naive
  auto w = t[3].detach().to(at::kDouble).requires_grad_(true);
  auto out2 = modulated_deform_conv2d(t[0].to(at::kDouble), t[1].to(at::kDouble), t[2].to(at::kDouble), w,
                                      t[4].to(at::kDouble));
  out2.sum().backward();
  EXPECT_ALL_CLOSE(t[3].grad().to(at::kDouble), w.grad(), 1e-4, 1e-4);
}

// The kernels split pixels (sampling, offset and mask gradients) and bands of input rows (the input gradient's scatter;
// offsets of ~2 pixels carry corners across the bands) between the intra-op threads: two and three threads give what
// one gives, to the rounding of the GEMMs' own thread split.
TEST(DeformConv, TwoThreadsAgreeWithOne) {
  torch::manual_seed(6);
  const auto x = torch::randn({2, 48, 24, 30}), off = torch::randn({2, 18, 24, 30}) * 2;
  const auto mask = torch::rand({2, 9, 24, 30}), w = torch::randn({8, 48, 3, 3}) * 0.1, b = torch::randn({8});
  const auto gy = torch::randn({2, 8, 24, 30});
  auto run = [&](int threads) {
    at::set_num_threads(threads);
    std::vector<at::Tensor> in = {x.clone(), off.clone(), mask.clone(), w.clone(), b.clone()};
    for (auto& t : in) t.set_requires_grad(true);
    auto y = modulated_deform_conv2d(in[0], in[1], in[2], in[3], in[4], 1, 1, 1);
    (y * gy).sum().backward();
    std::vector<at::Tensor> r = {y.detach()};
    for (auto& t : in) r.push_back(t.grad());
    return r;
  };
  const int threads = at::get_num_threads();
  const auto one = run(1);
  const char* what[] = {"output", "input grad", "offset grad", "mask grad", "weight grad", "bias grad"};
  for (int n : {2, 3}) {
    const auto many = run(n);
    for (size_t i = 0; i < one.size(); ++i) EXPECT_ALL_CLOSE(many[i], one[i], 1e-4, 1e-4) << what[i] << ", " << n;
  }
  at::set_num_threads(threads);
}

}  // namespace glip::ops
