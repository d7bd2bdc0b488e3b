#include "glip/engine/ema.h"

#include "glip/core/error.h"

namespace glip::engine {

ModelEma::ModelEma(const std::vector<std::pair<std::string, at::Tensor>>& state, double decay) : decay_(decay) {
  for (const auto& [name, t] : state) ema_[name] = t.detach().clone();
}

void ModelEma::update(const std::vector<std::pair<std::string, at::Tensor>>& state) {
  at::NoGradGuard no_grad;
  for (const auto& [name, t] : state) {
    auto it = ema_.find(name);
    GLIP_CHECK(it != ema_.end(), "[engine] EMA has no tensor '", name, "'");
    at::Tensor& e = it->second;
    if (at::isFloatingType(e.scalar_type())) {
      e.copy_(e * decay_ + (1.0 - decay_) * t.detach());
    } else {
      e.copy_(t.detach());
    }
  }
}

void ModelEma::load(const std::map<std::string, at::Tensor>& state, const std::string& what) {
  at::NoGradGuard no_grad;
  for (auto& [name, e] : ema_) {
    const auto it = state.find(name);
    GLIP_CHECK_INPUT(it != state.end(), what, ": EMA tensor '", name, "' is missing");
    GLIP_CHECK_INPUT(it->second.sizes() == e.sizes(), what, ": EMA tensor '", name, "' has shape ", it->second.sizes(),
                     ", expected ", e.sizes());
    e.copy_(it->second);
  }
}

}  // namespace glip::engine
