/**
 * torch::nn::Linear whose forward runs glip::ops::linear: oneDNN's sgemm for float32 CPU tensors, ATen otherwise
 * (include/glip/ops/gemm.h). The same parameters (weight [out, in], bias [out]), initialisation and state-dict keys,
 * so official checkpoints load as before; every Linear of the model is one of these.
 */
#pragma once
#include <torch/nn/modules/linear.h>

#include "glip/ops/gemm.h"

namespace glip::modeling {

class LinearImpl : public torch::nn::LinearImpl {
 public:
  using torch::nn::LinearImpl::LinearImpl;
  at::Tensor forward(const at::Tensor& x) { return ops::linear(x, weight, bias); }
};
TORCH_MODULE(Linear);

}  // namespace glip::modeling
