/** Learning-rate schedules of solver/lr_scheduler.py: warmup (linear or constant) then multistep or cosine. */
#pragma once
#include <cstdint>
#include <vector>

#include "glip/engine/solver.h"

namespace glip::engine {

class LrSchedule {
 public:
  explicit LrSchedule(const SolverOptions& opts);
  /**
   * The learning rate of a group with `base_lr` at 0-based iteration `iter` (the official scheduler's
   * last_epoch: the number of optimiser steps already taken).
   */
  double lr(double base_lr, int64_t iter) const;
  /** lr(1.0, iter) for schedules that are a pure factor (multistep; cosine with min_lr 0). */
  double factor(int64_t iter) const { return lr(1.0, iter); }

 private:
  std::vector<int64_t> milestones_;
  double gamma_, warmup_factor_, min_lr_;
  int64_t warmup_iters_, max_iter_;
  bool linear_, cosine_;
};

}  // namespace glip::engine
