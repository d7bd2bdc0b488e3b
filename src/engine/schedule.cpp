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

WeightDecaySchedule::WeightDecaySchedule(const SolverOptions& o) : gamma_(o.gamma) {
  // do_train adapts the weight decay only when the scheduler has milestones (WarmupMultiStepLR).
  if (!o.weight_decay_schedule || o.use_cosine || o.use_autostep) return;
  // Before the loop: milestones whose threshold the start iteration (0) has reached are skipped without a drop.
  // After each step (last_epoch = steps done): one drop when last_epoch >= the next milestone x ratio.
  int64_t last = 0;  // last_epoch of the latest drop
  for (const int64_t m : milestone_iters(o)) {
    const double threshold = static_cast<double>(m) * o.weight_decay_schedule_ratio;
    if (threshold <= 0.0) continue;
    const int64_t at = std::max(static_cast<int64_t>(std::ceil(threshold)), last + 1);
    drop_at_.push_back(at);  // the step with last_epoch `at` (0-based iteration `at`) uses the lower decay
    last = at;
  }
}

int64_t WeightDecaySchedule::drops(int64_t iter) const {
  return std::upper_bound(drop_at_.begin(), drop_at_.end(), iter) - drop_at_.begin();
}

double WeightDecaySchedule::weight_decay(double base, int64_t iter) const {
  double wd = base;
  for (int64_t k = drops(iter); k > 0; --k) wd *= gamma_;  // param['weight_decay'] *= gamma, drop by drop
  return wd;
}

AutoStepSchedule::AutoStepSchedule(const SolverOptions& o)
    : gamma_(o.gamma),
      warmup_factor_(o.warmup_factor),
      min_lr_(o.min_lr),
      warmup_iters_(o.warmup_iters),
      patience_(o.step_patience),
      linear_(o.warmup_method == "linear") {}

double AutoStepSchedule::warmup_factor(int64_t last_epoch) const {
  if (last_epoch >= warmup_iters_ - 1) return 1.0;
  if (!linear_) return warmup_factor_;
  const double alpha = static_cast<double>(last_epoch) / static_cast<double>(warmup_iters_);
  return warmup_factor_ * (1 - alpha) + alpha;
}

double AutoStepSchedule::lr(double base_lr) const {
  double lr = base_lr * s_.warmup;
  // ReduceLROnPlateau._reduce_lr, once per reduction: new = max(old x factor, min_lr), applied when old - new > eps.
  for (int64_t k = 0; k < s_.reductions; ++k) {
    const double next = std::max(lr * gamma_, min_lr_);
    if (lr - next > 1e-8) lr = next;
  }
  return lr;
}

void AutoStepSchedule::step() {
  if (s_.last_epoch < warmup_iters_) {
    s_.warmup = warmup_factor(s_.last_epoch);
    ++s_.last_epoch;
  }
}

bool AutoStepSchedule::step(double metric) {
  if (s_.last_epoch < warmup_iters_) {
    step();
    return false;
  }
  if (metric == 0.0) return false;  // `elif metrics:` (NaN counts, and is never better)
  ++s_.last_epoch;
  if (metric > s_.best * (1.0 + 1e-4)) {  // mode max, threshold_mode rel, threshold 1e-4
    s_.best = metric;
    s_.num_bad_epochs = 0;
  } else {
    ++s_.num_bad_epochs;
  }
  if (s_.num_bad_epochs > patience_) {
    ++s_.reductions;
    s_.num_bad_epochs = 0;
    return true;
  }
  return false;
}

void AutoStepSchedule::start_at(int64_t n) {
  s_ = State{};
  for (int64_t k = 0; k < std::min(n, warmup_iters_ + 1); ++k) step();
}

}  // namespace glip::engine
