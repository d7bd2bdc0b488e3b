#include "glip/ops/gemm.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/autograd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "glip/core/error.h"

#if defined(GLIP_WITH_ONEDNN)
#include <oneapi/dnnl/dnnl.h>
#endif

namespace glip::ops {

GemmBackend gemm_backend_from_environment() {
  const char* env = std::getenv("GLIP_GEMM");
  const std::string v = env != nullptr ? env : "";
  if (v.empty()) return have_onednn() ? GemmBackend::onednn : GemmBackend::aten;
  GLIP_CHECK_INPUT(v == "aten" || v == "onednn", "environment variable GLIP_GEMM must be 'onednn' or 'aten', got '", v,
                   "'");
  GLIP_CHECK_INPUT(v == "aten" || have_onednn(),
                   "environment variable GLIP_GEMM=onednn, but this glip was built without oneDNN (libdnnl-dev)");
  return v == "onednn" ? GemmBackend::onednn : GemmBackend::aten;
}

namespace {

// -1: not read yet.
std::atomic<int> g_backend{-1};

bool fast(std::initializer_list<const at::Tensor*> ts) {
  if (gemm_backend() != GemmBackend::onednn) return false;
  for (const auto* t : ts) {
    if (!t->defined()) continue;
    if (!t->device().is_cpu() || t->scalar_type() != at::kFloat || t->layout() != at::kStrided) return false;
  }
  return true;
}

// One operand as oneDNN's row-major sgemm reads it: the [R, C] matrix at p with strides (sr, sc) is either row-major
// ('N', leading dimension sr) or column-major ('T', leading dimension sc). False when it is neither.
struct Operand {
  char trans = 'N';
  int64_t ld = 1;
};

bool describe(int64_t R, int64_t C, int64_t sr, int64_t sc, Operand& op) {
  if ((C == 1 || sc == 1) && (R == 1 || sr >= C)) {
    op = {'N', R == 1 ? std::max<int64_t>(C, 1) : sr};
    return true;
  }
  if ((R == 1 || sr == 1) && (C == 1 || sc >= R)) {
    op = {'T', C == 1 ? std::max<int64_t>(R, 1) : sc};
    return true;
  }
  return false;
}

// The last two dimensions of t as an Operand; t itself, or a contiguous copy when its strides do not fit.
at::Tensor as_operand(const at::Tensor& t, Operand& op) {
  const int64_t d = t.dim();
  if (describe(t.size(d - 2), t.size(d - 1), t.stride(d - 2), t.stride(d - 1), op)) return t;
  auto c = t.contiguous();
  describe(c.size(d - 2), c.size(d - 1), c.stride(d - 2), c.stride(d - 1), op);
  return c;
}

// Products of at least this many FLOP are shared out between the threads by glip and get dense copies of small gapped
// operands (batched(), densify_small()).
constexpr double kLargeProduct = 1e8;

// A small operand (at most 1 MiB per item) whose rows lie apart, such as one head's [T, D] block of a [T, H * D]
// matrix (1 KiB rows 8 KiB apart), becomes a dense copy: oneDNN multiplied the fusion block's per-head 22,400 x 256
// probabilities by such a block at ~270 GFLOP/s and by a dense copy at ~350 (2-core EPYC VM). The copy is small
// next to the products this is used for (>= kLargeProduct FLOP).
void densify_small(at::Tensor& t, Operand& op) {
  const int64_t d = t.dim(), R = t.size(d - 2), C = t.size(d - 1);
  const bool gapped = R > 1 && C > 1 && op.ld > (op.trans == 'N' ? C : R);
  if (!gapped || R * C * static_cast<int64_t>(sizeof(float)) > (int64_t{1} << 20)) return;
  t = t.contiguous();
  describe(R, C, t.stride(d - 2), t.stride(d - 1), op);
}

#if defined(GLIP_WITH_ONEDNN)
void sgemm(const Operand& oa, const float* a, const Operand& ob, const float* b, int64_t M, int64_t N, int64_t K,
           float alpha, float beta, float* c, int64_t ldc) {
  const dnnl_status_t st = dnnl_sgemm(oa.trans, ob.trans, M, N, K, alpha, a, oa.ld, b, ob.ld, beta, c, ldc);
  GLIP_CHECK(st == dnnl_success, "oneDNN sgemm failed (status ", static_cast<int>(st), ") for M=", M, " N=", N,
             " K=", K);
}
#else
void sgemm(const Operand&, const float*, const Operand&, const float*, int64_t, int64_t, int64_t, float, float, float*,
           int64_t) {
  GLIP_CHECK(false, "oneDNN sgemm called in a build without oneDNN");
}
#endif

// out [L..., M, N] = alpha * a [L..., M, K] b [L..., K, N] (+ beta * out), over the leading dimensions L. out's
// last dimension has stride 1; its rows and leading dimensions may have any strides (a slice of a wider matrix).
void batched(const at::Tensor& out, const at::Tensor& a_in, const at::Tensor& b_in, float beta, float alpha = 1.f) {
  const int64_t d = a_in.dim();
  const int64_t M = a_in.size(d - 2), K = a_in.size(d - 1), N = b_in.size(d - 1);
  if (out.numel() == 0) return;
  if (K == 0) {
    out.mul_(beta);
    return;
  }
  GLIP_CHECK(out.stride(d - 1) == 1 || N == 1, "gemm: the output's last dimension must have stride 1, got strides ",
             out.strides());
  Operand oa, ob;
  at::Tensor a = as_operand(a_in, oa), b = as_operand(b_in, ob);
  const double flops = 2.0 * static_cast<double>(M) * N * K;
  if (flops >= kLargeProduct) densify_small(a, oa), densify_small(b, ob);
  const int64_t L = out.numel() / (M * N);
  const int64_t ldc = M == 1 ? std::max<int64_t>(N, 1) : out.stride(d - 2);
  // Element offsets of batch item i in a tensor (any strides over the leading dimensions, expanded ones included).
  auto offset = [d](const at::Tensor& t, int64_t i) {
    int64_t off = 0;
    for (int64_t k = d - 3; k >= 0; --k) {
      off += (i % t.size(k)) * t.stride(k);
      i /= t.size(k);
    }
    return off;
  };
  const float* pa = a.data_ptr<float>();
  const float* pb = b.data_ptr<float>();
  float* pc = out.data_ptr<float>();
  at::get_num_threads();  // makes this thread's OpenMP team size the one at::set_num_threads chose
  // Rows [m0, m1) and columns [n0, n1) of item i's product; one(i) is all of it.
  auto block = [&](int64_t i, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const float* a0 = pa + offset(a, i) + m0 * (oa.trans == 'N' ? oa.ld : 1);
    const float* b0 = pb + offset(b, i) + n0 * (ob.trans == 'N' ? 1 : ob.ld);
    sgemm(oa, a0, ob, b0, m1 - m0, n1 - n0, K, alpha, beta, pc + offset(out, i) + m0 * ldc + n0, ldc);
  };
  auto one = [&](int64_t i) { block(i, 0, M, 0, N); };
  // oneDNN runs single-threaded inside a parallel region. Small products (Swin's 49 x 32 x 49 windows) run one per
  // thread. Large ones are also shared out by glip: whole items when they divide evenly between the threads, else
  // each item's larger side split into one block per thread. oneDNN's own 2-thread split of products with a narrow
  // side is slow: the fusion block's 22,400 x 256 x 2,048 output projection ran at ~245 GFLOP/s through it and at
  // ~335 as two single-threaded halves, the per-head 22,400 x 256 x 256 scores at ~260 against ~350 (2-core EPYC VM,
  // docs/benchmarks.md, "GEMM backend"); square products are the same either way.
  const int64_t threads = at::get_num_threads();
  const bool split = threads > 1 && flops >= kLargeProduct && !at::in_parallel_region();
  const bool rows = M >= N;
  const int64_t side = rows ? M : N;
  if (L > 1 && (flops < 4e6 || (split && L % threads == 0))) {
    at::parallel_for(0, L, 1, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) one(i);
    });
  } else if (split && side >= 32 * threads) {
    for (int64_t i = 0; i < L; ++i) {
      at::parallel_for(0, threads, 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t lo = side * t / threads, hi = side * (t + 1) / threads;
          rows ? block(i, lo, hi, 0, N) : block(i, 0, M, lo, hi);
        }
      });
    }
  } else {
    for (int64_t i = 0; i < L; ++i) one(i);
  }
}

at::Tensor product(const at::Tensor& a, const at::Tensor& b) {
  auto sizes = a.sizes().vec();
  sizes.back() = b.size(-1);
  auto out = at::empty(sizes, a.options());
  batched(out, a, b, 0.f);
  return out;
}

struct LinearFn : public torch::autograd::Function<LinearFn> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
                            double alpha) {
    const int64_t K = x.size(-1);
    auto x2 = x.reshape({-1, K});
    ctx->save_for_backward({x2, w});
    ctx->saved_data["alpha"] = alpha;
    auto sizes = x.sizes().vec();
    sizes.back() = w.size(0);
    auto y = at::empty(sizes, x.options());  // not a view: linear() adds the bias in place
    auto y2 = y.view({x2.size(0), w.size(0)});
    batched(y2, x2, w.t(), 0.f, static_cast<float>(alpha));
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x2 = saved[0];
    const auto& w = saved[1];
    const double alpha = ctx->saved_data["alpha"].toDouble();
    auto g = grads[0].reshape({-1, w.size(0)});
    if (alpha != 1.0) g = g * alpha;
    at::Tensor gx, gw;
    if (ctx->needs_input_grad(0)) {
      auto sizes = grads[0].sizes().vec();
      sizes.back() = w.size(1);
      gx = product(g, w).view(sizes);
    }
    if (ctx->needs_input_grad(1)) gw = product(g.t(), x2);
    return {gx, gw, at::Tensor()};
  }
};

struct MatmulFn : public torch::autograd::Function<MatmulFn> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& a, const at::Tensor& b) {
    ctx->save_for_backward({a, b});
    return product(a, b);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& a = saved[0];
    const auto& b = saved[1];
    const auto& g = grads[0];
    at::Tensor ga, gb;
    if (ctx->needs_input_grad(0)) ga = product(g, b.transpose(-1, -2));
    if (ctx->needs_input_grad(1)) gb = product(a.transpose(-1, -2), g);
    return {ga, gb};
  }
};

}  // namespace

bool have_onednn() {
#if defined(GLIP_WITH_ONEDNN)
  return true;
#else
  return false;
#endif
}

GemmBackend gemm_backend() {
  int v = g_backend.load(std::memory_order_relaxed);
  if (v < 0) {
    v = static_cast<int>(gemm_backend_from_environment());
    g_backend.store(v, std::memory_order_relaxed);
  }
  return static_cast<GemmBackend>(v);
}

void set_gemm_backend(GemmBackend b) {
  GLIP_CHECK_INPUT(b == GemmBackend::aten || have_onednn(), "the oneDNN GEMM backend is not in this build");
  g_backend.store(static_cast<int>(b), std::memory_order_relaxed);
}

const char* gemm_backend_name(GemmBackend b) { return b == GemmBackend::onednn ? "onednn" : "aten"; }

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double alpha) {
  RECORD_USER_SCOPE("glip::linear");
  if (!fast({&x, &w, &b})) return alpha == 1.0 ? at::linear(x, w, b) : at::linear(x, w, b) * alpha;
  GLIP_CHECK(x.dim() >= 1 && w.dim() == 2 && x.size(-1) == w.size(1), "linear: input ", x.sizes(), " and weight ",
             w.sizes(), " do not match");
  auto y = LinearFn::apply(x, w, alpha);
  return b.defined() ? y.add_(b, alpha) : y;
}

at::Tensor matmul(const at::Tensor& a, const at::Tensor& b) {
  GLIP_CHECK(a.dim() >= 3 && a.dim() == b.dim() && a.size(-1) == b.size(-2) &&
                 a.sizes().slice(0, a.dim() - 2) == b.sizes().slice(0, b.dim() - 2),
             "matmul: operands ", a.sizes(), " and ", b.sizes(), " need the same leading dimensions and K");
  RECORD_USER_SCOPE("glip::matmul");
  if (!fast({&a, &b})) return at::matmul(a, b);
  return MatmulFn::apply(a, b);
}

void matmul_out(const at::Tensor& out, const at::Tensor& a, const at::Tensor& b) {
  GLIP_CHECK(a.dim() >= 2 && a.dim() == b.dim() && out.dim() == a.dim() && a.size(-1) == b.size(-2) &&
                 a.sizes().slice(0, a.dim() - 2) == b.sizes().slice(0, b.dim() - 2) &&
                 out.sizes().slice(0, a.dim() - 1) == a.sizes().slice(0, a.dim() - 1) && out.size(-1) == b.size(-1),
             "matmul_out: shapes ", out.sizes(), " = ", a.sizes(), " x ", b.sizes(), " do not match");
  GLIP_CHECK(!at::GradMode::is_enabled() || !(a.requires_grad() || b.requires_grad()),
             "matmul_out: no gradient is recorded into an output view; use matmul()");
  RECORD_USER_SCOPE("glip::matmul_out");
  if (!fast({&out, &a, &b}) || out.stride(-1) != 1) {
    at::NoGradGuard g;
    out.copy_(at::matmul(a, b));
    return;
  }
  batched(out, a, b, 0.f);
}

void mm_out(at::Tensor& out, const at::Tensor& a, const at::Tensor& b, float beta) {
  GLIP_CHECK(a.dim() == 2 && b.dim() == 2 && out.dim() == 2 && a.size(1) == b.size(0) && out.size(0) == a.size(0) &&
                 out.size(1) == b.size(1) && (out.stride(1) == 1 || out.size(1) == 1),
             "mm_out: shapes ", out.sizes(), " = ", a.sizes(), " x ", b.sizes(), " do not match");
  RECORD_USER_SCOPE("glip::mm_out");
  if (!fast({&out, &a, &b})) {
    if (beta == 0.f) {
      at::mm_out(out, a, b);
    } else {
      out.addmm_(a, b, beta, 1.0);
    }
    return;
  }
  batched(out, a, b, beta);
}

}  // namespace glip::ops
