#include "glip/engine/optimizer.h"

#include <cmath>

#include "glip/core/error.h"

namespace glip::engine {

std::vector<ParamSpec> build_param_specs(const std::vector<std::pair<std::string, at::Tensor>>& named_params,
                                         const SolverOptions& o) {
  std::vector<ParamSpec> out;
  for (const auto& named : named_params) {
    const std::string& key = named.first;  // not a structured binding: a lambda below captures it (C++20 only)
    const at::Tensor& value = named.second;
    if (!value.requires_grad()) continue;
    double lr = o.base_lr;
    double wd = o.weight_decay;
    auto has = [&](const char* s) { return key.find(s) != std::string::npos; };
    if (has("language_backbone")) lr = o.lang_lr;
    if (has("backbone.body") && !has("language_backbone.body")) lr = o.base_lr * o.backbone_body_lr_factor;
    if (has("bias")) {
      lr *= o.bias_lr_factor;
      wd = o.weight_decay_bias;
    }
    if (has("norm") || has("Norm")) wd *= o.weight_decay_norm_factor;
    out.push_back({key, value, lr, wd});
  }
  return out;
}

AdamW::AdamW(std::vector<ParamSpec> params, double beta1, double beta2, double eps)
    : params_(std::move(params)), state_(params_.size()), beta1_(beta1), beta2_(beta2), eps_(eps) {}

void AdamW::zero_grad() {
  for (auto& p : params_) p.param.mutable_grad() = at::Tensor();
}

void AdamW::step(const std::function<double(double)>& lr_of, const std::function<double(double)>& wd_of) {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    at::Tensor& param = params_[i].param;
    const at::Tensor& grad = param.grad();
    if (!grad.defined()) continue;
    State& s = state_[i];
    if (!s.exp_avg.defined()) {
      s.exp_avg = at::zeros_like(param, at::MemoryFormat::Preserve);
      s.exp_avg_sq = at::zeros_like(param, at::MemoryFormat::Preserve);
    }
    const double lr = lr_of(params_[i].base_lr);
    const double wd = wd_of ? wd_of(params_[i].weight_decay) : params_[i].weight_decay;
    s.step += 1;
    // Same order of operations as torch.optim.adamw._single_tensor_adamw (PyTorch 1.13).
    param.mul_(1.0 - lr * wd);
    s.exp_avg.mul_(beta1_).add_(grad, 1.0 - beta1_);
    s.exp_avg_sq.mul_(beta2_).addcmul_(grad, grad, 1.0 - beta2_);
    const double bias_correction1 = 1.0 - std::pow(beta1_, static_cast<double>(s.step));
    const double bias_correction2 = 1.0 - std::pow(beta2_, static_cast<double>(s.step));
    const double step_size = lr / bias_correction1;
    const double bias_correction2_sqrt = std::sqrt(bias_correction2);
    at::Tensor denom = (s.exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps_);
    param.addcdiv_(s.exp_avg, denom, -step_size);
  }
}

std::map<std::string, at::Tensor> AdamW::state_dict() const {
  std::map<std::string, at::Tensor> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    const State& s = state_[i];
    if (s.step == 0) continue;
    out["exp_avg." + params_[i].name] = s.exp_avg;
    out["exp_avg_sq." + params_[i].name] = s.exp_avg_sq;
    out["step." + params_[i].name] = at::scalar_tensor(s.step, at::kLong);
  }
  return out;
}

void AdamW::load_state_dict(const std::map<std::string, at::Tensor>& state, const std::string& what) {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string& name = params_[i].name;
    State& s = state_[i];
    const auto step_it = state.find("step." + name);
    if (step_it == state.end()) {
      s = State{};
      continue;
    }
    const auto a = state.find("exp_avg." + name);
    const auto b = state.find("exp_avg_sq." + name);
    GLIP_CHECK_INPUT(a != state.end() && b != state.end(), what, ": optimizer state of '", name,
                     "' is incomplete (exp_avg / exp_avg_sq missing)");
    const at::Tensor& p = params_[i].param;
    GLIP_CHECK_INPUT(a->second.sizes() == p.sizes() && b->second.sizes() == p.sizes(), what, ": optimizer state of '",
                     name, "' has shape ", a->second.sizes(), ", expected ", p.sizes());
    s.exp_avg = a->second.to(p.options()).clone();
    s.exp_avg_sq = b->second.to(p.options()).clone();
    s.step = step_it->second.item<int64_t>();
  }
}

namespace {
std::vector<at::Tensor> grads_of(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> g;
  for (const auto& p : params)
    if (p.grad().defined()) g.push_back(p.grad());
  return g;
}
at::Tensor total_norm_of(const std::vector<at::Tensor>& grads) {
  std::vector<at::Tensor> norms;
  norms.reserve(grads.size());
  for (const auto& g : grads) norms.push_back(g.detach().norm(2));
  return at::stack(norms).norm(2);
}
}  // namespace

double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm) {
  at::NoGradGuard no_grad;
  const auto grads = grads_of(params);
  if (grads.empty()) return 0.0;
  const at::Tensor total = total_norm_of(grads);
  const at::Tensor coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (auto g : grads) g.mul_(coef.to(g.device()));
  return total.item<double>();
}

double grad_norm(const std::vector<at::Tensor>& params) {
  at::NoGradGuard no_grad;
  const auto grads = grads_of(params);
  return grads.empty() ? 0.0 : total_norm_of(grads).item<double>();
}

}  // namespace glip::engine
