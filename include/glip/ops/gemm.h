/**
 * The model's matrix products: Linear layers, attention products and the DCN's column GEMM.
 *
 * Float32 CPU tensors go to oneDNN's sgemm (Debian's libdnnl, the library LibTorch already links for its
 * convolutions) when glip was built with it (GLIP_WITH_ONEDNN, found by CMake); everything else (other dtypes,
 * other devices, builds without oneDNN) goes to ATen (at::linear, at::matmul, at::mm_out), which calls OpenBLAS on
 * the CPU and cuBLAS on a GPU. On the 2-core AMD EPYC VM of docs/benchmarks.md oneDNN's JIT kernels use AVX-512 and
 * run the fusion block's 22,400 x 256 x 2,048 projection at ~390 GFLOP/s against ~180 for OpenBLAS, whose Haswell
 * kernels the environment selects; small products gain the most (section "GEMM backend").
 *
 * The environment variable GLIP_GEMM picks the backend once per process: `onednn` (the default where built) or
 * `aten`; any other value, or `onednn` in a build without it, throws InputError naming the variable.
 * set_gemm_backend() changes it (tests and benchmarks compare the two in one process).
 *
 * linear() and matmul() are differentiable (their backward runs the same backend); the results agree with ATen's
 * to float32 rounding, not bit for bit. With a fixed thread count each backend is deterministic.
 */
#pragma once
#include <ATen/ATen.h>

namespace glip::ops {

enum class GemmBackend { aten, onednn };

/** The backend in use: gemm_backend_from_environment() at the first call, then what set_gemm_backend() chose. */
GemmBackend gemm_backend();
/** Reads GLIP_GEMM now: unset gives onednn where built, else aten; a bad value throws InputError. */
GemmBackend gemm_backend_from_environment();
/** Overrides GLIP_GEMM; `onednn` in a build without oneDNN throws InputError. */
void set_gemm_backend(GemmBackend b);
/** True when glip was built with oneDNN. */
bool have_onednn();
const char* gemm_backend_name(GemmBackend b);

/**
 * x [..., K] times w [N, K] transposed, plus b [N] when defined: [..., N]. As at::linear, times alpha: the scale
 * rides on the product and the bias add (one pass), where at::linear(x, w, b) * alpha makes another.
 */
at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b = {}, double alpha = 1.0);

/**
 * a [..., M, K] times b [..., K, N] -> [..., M, N], both with the same leading dimensions (at least one; no
 * broadcasting: expand first, which costs nothing). Any strides whose last two dimensions are row- or column-major
 * are used as they are (transposed and permuted views included); others are copied.
 */
at::Tensor matmul(const at::Tensor& a, const at::Tensor& b);

/**
 * matmul() written into `out` [..., M, N], a view with any strides whose last dimension has stride 1 (say the
 * columns of one head in a [M, H * N] matrix), so that no copy rearranges the product afterwards. No autograd:
 * refused (glip::Error) when a gradient would be recorded.
 */
void matmul_out(const at::Tensor& out, const at::Tensor& a, const at::Tensor& b);

/** out [M, N] = a [M, K] b [K, N] + beta * out; no autograd. out's rows may lie apart (a column block of a wider
 * matrix). */
void mm_out(at::Tensor& out, const at::Tensor& a, const at::Tensor& b, float beta = 0.f);

}  // namespace glip::ops
