// Public entry of the modulated deformable convolution: argument checks, the official offset reading and the
// autograd function that dispatches to the CPU or CUDA kernels.
#include "glip/ops/deform_conv.h"

#include <ATen/record_function.h>
#include <torch/autograd.h>

#include "glip/core/error.h"
#include "ops/deform_conv_kernels.h"

namespace glip::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

detail::DcnGeometry geometry_from(AutogradContext* ctx) {
  detail::DcnGeometry g;
  g.stride = ctx->saved_data["stride"].toInt();
  g.pad = ctx->saved_data["pad"].toInt();
  g.dil = ctx->saved_data["dil"].toInt();
  g.kh = ctx->saved_data["kh"].toInt();
  g.kw = ctx->saved_data["kw"].toInt();
  g.out_h = ctx->saved_data["out_h"].toInt();
  g.out_w = ctx->saved_data["out_w"].toInt();
  return g;
}

struct ModulatedDeformConvFunction : torch::autograd::Function<ModulatedDeformConvFunction> {
  // offset [N, 2K, Ho, Wo], mask [N, K, Ho, Wo]; bias always defined here (zeros when the caller has none).
  static variable_list forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& offset,
                               const at::Tensor& mask, const at::Tensor& weight, const at::Tensor& bias,
                               const detail::DcnGeometry& g) {
    ctx->saved_data["stride"] = g.stride;
    ctx->saved_data["pad"] = g.pad;
    ctx->saved_data["dil"] = g.dil;
    ctx->saved_data["kh"] = g.kh;
    ctx->saved_data["kw"] = g.kw;
    ctx->saved_data["out_h"] = g.out_h;
    ctx->saved_data["out_w"] = g.out_w;
    auto in = input.contiguous(), off = offset.contiguous(), msk = mask.contiguous(), w = weight.contiguous();
    ctx->save_for_backward({in, off, msk, w});
    at::Tensor out;
    if (in.is_cuda()) {
#ifdef GLIP_WITH_CUDA
      out = detail::dcn_forward_cuda(in, off, msk, w, bias.contiguous(), g);
#else
      GLIP_CHECK(false, "modulated_deform_conv2d: CUDA tensor given but glip was built without GLIP_WITH_CUDA");
#endif
    } else {
      out = detail::dcn_forward_cpu(in, off, msk, w, bias.contiguous(), g);
    }
    return {out};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto g = geometry_from(ctx);
    detail::DcnNeeds needs;
    needs.input = ctx->needs_input_grad(0);
    needs.offset_mask = ctx->needs_input_grad(1) || ctx->needs_input_grad(2);
    needs.weight = ctx->needs_input_grad(3);
    needs.bias = ctx->needs_input_grad(4);
    auto go = grads[0].contiguous();
    detail::DcnGrads r;
    if (go.is_cuda()) {
#ifdef GLIP_WITH_CUDA
      r = detail::dcn_backward_cuda(go, saved[0], saved[1], saved[2], saved[3], g, needs);
#else
      GLIP_CHECK(false, "modulated_deform_conv2d: CUDA gradient but glip was built without GLIP_WITH_CUDA");
#endif
    } else {
      r = detail::dcn_backward_cpu(go, saved[0], saved[1], saved[2], saved[3], g, needs);
    }
    auto [gi, goff, gm, gw, gb] = r;
    return {gi, goff, gm, gw, gb, at::Tensor()};
  }
};

}  // namespace

at::Tensor read_offsets_as_output_size(const at::Tensor& t, int64_t channels, int64_t out_h, int64_t out_w) {
  GLIP_CHECK(t.dim() == 4 && t.size(1) == channels, "deformable conv: expected a [N, ", channels,
             ", h, w] offset/mask tensor, got ", t.sizes());
  if (t.size(2) == out_h && t.size(3) == out_w) return t;
  const int64_t n = t.size(0), need = channels * out_h * out_w;
  GLIP_CHECK(t.size(1) * t.size(2) * t.size(3) >= need, "deformable conv: offset/mask map ", t.sizes(),
             " is smaller than the output ", out_h, "x", out_w, "; the official op would read past the image's values");
  return t.reshape({n, -1}).narrow(1, 0, need).reshape({n, channels, out_h, out_w});
}

at::Tensor modulated_deform_conv2d(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask,
                                   const at::Tensor& weight, const at::Tensor& bias, int64_t stride, int64_t padding,
                                   int64_t dilation) {
  RECORD_USER_SCOPE("glip::modulated_deform_conv2d");
  GLIP_CHECK(input.dim() == 4, "modulated_deform_conv2d: input must be [N, C, H, W], got ", input.sizes());
  GLIP_CHECK(weight.dim() == 4 && weight.size(1) == input.size(1), "modulated_deform_conv2d: weight must be [O, ",
             input.size(1), ", kh, kw], got ", weight.sizes());
  GLIP_CHECK(stride >= 1 && padding >= 0 && dilation >= 1, "modulated_deform_conv2d: bad stride ", stride,
             " / padding ", padding, " / dilation ", dilation);
  GLIP_CHECK(at::isFloatingType(input.scalar_type()) && input.scalar_type() != at::kHalf &&
                 input.scalar_type() != at::kBFloat16,
             "modulated_deform_conv2d: float or double tensors expected, got ", input.scalar_type());
  const int64_t n = input.size(0);
  for (const at::Tensor* t : {&offset, &mask, &weight}) {
    GLIP_CHECK(t->scalar_type() == input.scalar_type() && t->device() == input.device(),
               "modulated_deform_conv2d: all tensors must share the input's dtype and device");
  }
  GLIP_CHECK(offset.dim() == 4 && mask.dim() == 4 && offset.size(0) == n && mask.size(0) == n,
             "modulated_deform_conv2d: offset/mask must be [N, *, h, w] with N = ", n, ", got ", offset.sizes(),
             " and ", mask.sizes());
  detail::DcnGeometry g;
  g.stride = stride, g.pad = padding, g.dil = dilation;
  g.kh = weight.size(2), g.kw = weight.size(3);
  g.out_h = (input.size(2) + 2 * padding - dilation * (g.kh - 1) - 1) / stride + 1;
  g.out_w = (input.size(3) + 2 * padding - dilation * (g.kw - 1) - 1) / stride + 1;
  GLIP_CHECK(g.out_h > 0 && g.out_w > 0, "modulated_deform_conv2d: input ", input.sizes(), " too small for the kernel");
  const int64_t k = g.kh * g.kw;
  auto off = read_offsets_as_output_size(offset, 2 * k, g.out_h, g.out_w);
  auto msk = read_offsets_as_output_size(mask, k, g.out_h, g.out_w);
  at::Tensor b = bias;
  if (b.defined()) {
    GLIP_CHECK(b.dim() == 1 && b.size(0) == weight.size(0) && b.scalar_type() == input.scalar_type(),
               "modulated_deform_conv2d: bias must be [", weight.size(0), "], got ", b.sizes());
  } else {
    b = at::zeros({weight.size(0)}, weight.options());
  }
  return ModulatedDeformConvFunction::apply(input, off, msk, weight, b, g)[0];
}

}  // namespace glip::ops
