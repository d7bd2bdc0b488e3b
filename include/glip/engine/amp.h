/**
 * Mixed precision for CUDA: an autocast scope (fp16 or bf16) and a dynamic loss scaler with the semantics of
 * torch.cuda.amp.GradScaler (init 2^16, growth x2 every 2000 finite steps, backoff x0.5 on inf/NaN).
 * On CPU the autocast scope is a no-op, so CPU builds and runs are unaffected.
 */
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

namespace glip::engine {

/** Enables CUDA autocast with `dtype` (kHalf or kBFloat16) for its lifetime when `enabled`. */
class AutocastScope {
 public:
  AutocastScope(bool enabled, at::ScalarType dtype);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
  bool prev_enabled_ = false;
  at::ScalarType prev_dtype_ = at::kHalf;
};

class GradScaler {
 public:
  explicit GradScaler(bool enabled, double init_scale = 65536.0, double growth_factor = 2.0,
                      double backoff_factor = 0.5, int64_t growth_interval = 2000);

  bool enabled() const { return enabled_; }
  double scale() const { return scale_; }
  /** loss * scale (or loss when disabled). */
  at::Tensor scale_loss(const at::Tensor& loss) const;
  /** Divides the gradients by the scale; returns true when all of them are finite. */
  bool unscale_and_check(const std::vector<at::Tensor>& params) const;
  /** Updates the scale after a step: backoff on a non-finite step, growth after growth_interval good ones. */
  void update(bool found_inf);

  std::map<std::string, double> state() const;
  void load_state(const std::map<std::string, double>& state);

 private:
  bool enabled_;
  double scale_, growth_factor_, backoff_factor_;
  int64_t growth_interval_, growth_tracker_ = 0;
};

/** True when every defined gradient of `params` is finite. */
bool grads_finite(const std::vector<at::Tensor>& params);

}  // namespace glip::engine
