#include "glip/engine/schedule.h"

#include <algorithm>
#include <cmath>

namespace glip::engine {

LrSchedule::LrSchedule(const SolverOptions& o)
    : milestones_(milestone_iters(o)),
      gamma_(o.gamma),
      warmup_factor_(o.warmup_factor),
      min_lr_(o.min_lr),
      warmup_iters_(o.warmup_iters),
      max_iter_(o.max_iter),
      linear_(o.warmup_method == "linear"),
      cosine_(o.use_cosine) {}

double LrSchedule::lr(double base_lr, int64_t iter) const {
  double warm = 1.0;
  const bool in_warmup = iter < warmup_iters_;
  if (in_warmup) {
    if (linear_) {
      const double alpha = static_cast<double>(iter) / static_cast<double>(warmup_iters_);
      warm = warmup_factor_ * (1 - alpha) + alpha;
    } else {
      warm = warmup_factor_;
    }
  }
  if (cosine_) {
    if (in_warmup) return base_lr * warm;
    const double t = static_cast<double>(iter - warmup_iters_) / static_cast<double>(max_iter_);
    return min_lr_ + (base_lr - min_lr_) * (1 + std::cos(M_PI * t)) / 2;
  }
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), iter) - milestones_.begin();
  return base_lr * warm * std::pow(gamma_, static_cast<double>(passed));
}

}  // namespace glip::engine
