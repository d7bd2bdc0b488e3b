/** Exponential moving average of a model's state (parameters and buffers), as utils/ema.py: ModelEma. */
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

namespace glip::engine {

class ModelEma {
 public:
  /** Starts the average at a copy of `state` (name -> tensor, e.g. named parameters and buffers). */
  ModelEma(const std::vector<std::pair<std::string, at::Tensor>>& state, double decay);

  /** ema = ema * decay + (1 - decay) * model for floating tensors; other tensors are copied. */
  void update(const std::vector<std::pair<std::string, at::Tensor>>& state);

  double decay() const { return decay_; }
  const std::map<std::string, at::Tensor>& state() const { return ema_; }
  /** Replaces the averaged tensors (names and shapes must match); `what` names the source in errors. */
  void load(const std::map<std::string, at::Tensor>& state, const std::string& what);

 private:
  std::map<std::string, at::Tensor> ema_;
  double decay_;
};

}  // namespace glip::engine
