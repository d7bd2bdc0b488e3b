// Device kernels of the modulated deformable convolution (internal). The caller (src/ops/deform_conv.cpp)
// has validated shapes and made every tensor contiguous; offset is [N, 2K, Ho, Wo], mask [N, K, Ho, Wo].
#pragma once
#include <ATen/ATen.h>

#include <tuple>

namespace glip::ops::detail {

struct DcnGeometry {
  int64_t stride = 1, pad = 1, dil = 1;
  int64_t kh = 3, kw = 3;
  int64_t out_h = 0, out_w = 0;
};

/** Gradients (input, offset, mask, weight, bias); a gradient is undefined when not requested. */
using DcnGrads = std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor>;

/** Which gradients backward must compute. */
struct DcnNeeds {
  bool input = true, offset_mask = true, weight = true, bias = true;
};

at::Tensor dcn_forward_cpu(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask,
                           const at::Tensor& weight, const at::Tensor& bias, const DcnGeometry& g);
DcnGrads dcn_backward_cpu(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& offset,
                          const at::Tensor& mask, const at::Tensor& weight, const DcnGeometry& g,
                          const DcnNeeds& needs);

#ifdef GLIP_WITH_CUDA
at::Tensor dcn_forward_cuda(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask,
                            const at::Tensor& weight, const at::Tensor& bias, const DcnGeometry& g);
DcnGrads dcn_backward_cuda(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& offset,
                           const at::Tensor& mask, const at::Tensor& weight, const DcnGeometry& g,
                           const DcnNeeds& needs);
#endif

}  // namespace glip::ops::detail
