/**
 * AdamW with the official GLIP parameter groups (solver/build.py), written on plain tensors so that its state
 * (exp_avg, exp_avg_sq, step per parameter) is explicit and serialisable. The update matches
 * torch.optim.AdamW (amsgrad off, foreach off) operation for operation.
 */
#pragma once
#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "glip/engine/solver.h"

namespace glip::engine {

/** One trainable parameter with its group's base learning rate and weight decay. */
struct ParamSpec {
  std::string name;
  at::Tensor param;
  double base_lr = 0.0;
  double weight_decay = 0.0;
};

/**
 * The official groups over the parameters that require grad: base_lr, lang_lr for "language_backbone",
 * base_lr * backbone_body_lr_factor for "backbone.body" (not the language one), then x bias_lr_factor and
 * weight_decay_bias for every name containing "bias", and weight decay x weight_decay_norm_factor for "norm".
 */
std::vector<ParamSpec> build_param_specs(const std::vector<std::pair<std::string, at::Tensor>>& named_params,
                                         const SolverOptions& opts);

class AdamW {
 public:
  AdamW(std::vector<ParamSpec> params, double beta1, double beta2, double eps);

  /**
   * One update for every parameter that has a grad, at lr = lr_of(base_lr of its group) and weight decay
   * wd_of(weight_decay of its group) (the group's own decay when wd_of is empty).
   */
  void step(const std::function<double(double)>& lr_of, const std::function<double(double)>& wd_of = nullptr);
  /** Sets every gradient to undefined (set_to_none). */
  void zero_grad();

  const std::vector<ParamSpec>& params() const { return params_; }
  /** State tensors: "exp_avg.<name>", "exp_avg_sq.<name>", "step.<name>" (int64 scalar). */
  std::map<std::string, at::Tensor> state_dict() const;
  /** Restores the state; throws InputError naming `what` when a parameter's state is missing or mis-shaped. */
  void load_state_dict(const std::map<std::string, at::Tensor>& state, const std::string& what);

 private:
  struct State {
    at::Tensor exp_avg, exp_avg_sq;
    int64_t step = 0;
  };
  std::vector<ParamSpec> params_;
  std::vector<State> state_;
  double beta1_, beta2_, eps_;
};

/**
 * torch.nn.utils.clip_grad_norm_ (norm type 2): total = ||(||g_i||)_i||, grads scaled by
 * min(1, max_norm / (total + 1e-6)). Returns the total norm (before clipping) as a double.
 */
double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm);

/** Global 2-norm of the gradients (no clipping). */
double grad_norm(const std::vector<at::Tensor>& params);

}  // namespace glip::engine
