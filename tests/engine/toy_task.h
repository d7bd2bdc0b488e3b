// A toy regression task for the engine tests: a small MLP (named like GLIP parts so the parameter groups
// apply) on a fixed synthetic dataset; optional dropout exercises the RNG state in checkpoints.
#pragma once
#include <torch/torch.h>

#include <limits>

#include "glip/engine/trainer.h"

namespace glip::engine::test {

struct ToyNetImpl : torch::nn::Module {
  explicit ToyNetImpl(double dropout) : drop(dropout) {
    body = register_module("body", torch::nn::Linear(6, 16));
    head = register_module("head", torch::nn::Linear(16, 2));
    scale = register_parameter("log_scale", torch::zeros({1}));
    register_buffer("num_updates", torch::zeros({1}, at::kLong));
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = torch::relu(body->forward(x));
    h = torch::dropout(h, drop, is_training());
    return head->forward(h) * scale.exp();
  }
  torch::nn::Linear body{nullptr}, head{nullptr};
  at::Tensor scale;
  double drop;
};
TORCH_MODULE(ToyNet);

class ToyTask : public TrainTask {
 public:
  ToyTask(int64_t n, double dropout, uint64_t seed = 7) : net_(dropout) {
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(seed);
    x_ = at::randn({n, 6}, g);
    const at::Tensor w = at::randn({6, 2}, g);
    y_ = x_.mm(w).tanh() + 0.05 * at::randn({n, 2}, g);
  }
  torch::nn::Module& model() override { return *net_; }
  int64_t dataset_size() const override { return x_.size(0); }
  LossTerms losses(const std::vector<int64_t>& idx, int64_t iteration) override {
    micro_ = iteration == last_iteration_ ? micro_ + 1 : 0;  // micro-batch of this step (calls come in order)
    last_iteration_ = iteration;
    const at::Tensor i = torch::tensor(idx, at::kLong);
    const at::Tensor pred = net_->forward(x_.index_select(0, i));
    const at::Tensor target = y_.index_select(0, i);
    LossTerms t = {{"loss_mse", (pred - target).pow(2).mean()}, {"loss_l1", 0.1 * (pred - target).abs().mean()}};
    if (iteration == nan_at && (nan_micro < 0 || micro_ == nan_micro))
      t["loss_mse"] = t["loss_mse"] * std::numeric_limits<float>::quiet_NaN();
    return t;
  }
  ToyNet net_;
  at::Tensor x_, y_;
  int64_t nan_at = -1;     // iteration (0-based) whose loss is NaN
  int64_t nan_micro = -1;  // only this micro-batch of it (-1: every micro-batch)

 private:
  int64_t last_iteration_ = -1, micro_ = 0;
};

}  // namespace glip::engine::test
