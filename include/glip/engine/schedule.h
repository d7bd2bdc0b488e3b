/**
 * Learning-rate and weight-decay schedules of the official solver (solver/lr_scheduler.py, engine/trainer.py):
 * warmup (linear or constant) then multistep or cosine (LrSchedule); the plateau schedule of SOLVER.USE_AUTOSTEP
 * (AutoStepSchedule); and SOLVER.WEIGHT_DECAY_SCHEDULE (WeightDecaySchedule).
 */
#pragma once
#include <cstdint>
#include <limits>
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

/**
 * SOLVER.WEIGHT_DECAY_SCHEDULE as the official do_train applies it: only with the multistep schedule (the
 * official check is `hasattr(scheduler, 'milestones')`: inactive under use_cosine or use_autostep). After each
 * optimiser step, when the scheduler's last_epoch (steps done) reaches milestone[j] x weight_decay_schedule_ratio
 * for the next milestone j, every group's weight decay is multiplied by gamma (at most one milestone per step;
 * milestones already passed at iteration 0 are skipped without a drop). GLIP-L: milestones 670,000 and 890,000 of
 * 1,000,000 steps, ratio 0.667: the decay 0.01 becomes 0.001 from 0-based iteration 446,890 and 0.0001 from
 * 593,630. A pure function of the iteration, so a resumed run continues exactly.
 */
class WeightDecaySchedule {
 public:
  explicit WeightDecaySchedule(const SolverOptions& opts);
  bool active() const { return !drop_at_.empty(); }
  /** 0-based iteration from which each drop applies (the step after the one that reached the threshold). */
  const std::vector<int64_t>& drop_iterations() const { return drop_at_; }
  /** Drops applied before the optimiser step of 0-based iteration `iter`. */
  int64_t drops(int64_t iter) const;
  /** The decay of a group configured with `base` at 0-based iteration `iter` (base x gamma per drop, in order). */
  double weight_decay(double base, int64_t iter) const;

 private:
  std::vector<int64_t> drop_at_;
  double gamma_;
};

/**
 * SOLVER.USE_AUTOSTEP: the official WarmupReduceLROnPlateau (torch ReduceLROnPlateau, mode max, factor gamma,
 * patience step_patience, min_lr, threshold 1e-4 relative, cooldown 0, eps 1e-8), driven as do_train drives it:
 *  - step() after every optimiser step: while last_epoch < warmup_iters every group's LR becomes
 *    base x warmup(last_epoch) (1.0 at last_epoch = warmup_iters - 1) and last_epoch advances. The scheduler
 *    sets no LR at construction, so the first optimiser step runs at the full base LR and each warmup factor
 *    comes one step later than in the multistep schedule (official behaviour, kept);
 *  - step(metric) after every evaluation: during the warmup it is one more warmup step (as official); after it,
 *    a metric of exactly 0 is ignored (official `elif metrics:`), otherwise it is better when
 *    metric > best x (1 + 1e-4); else the evaluation is bad, and more than step_patience bad evaluations in a
 *    row multiply every group's LR by gamma (not below min_lr; a change under 1e-8 is not applied) and start
 *    the count again.
 * The state is small (State) and goes into the checkpoint record, so a resumed run continues exactly.
 */
class AutoStepSchedule {
 public:
  struct State {
    int64_t last_epoch = 0;  ///< scheduler steps taken (warmup steps, then plateau evaluations)
    double warmup = 1.0;     ///< the factor the last warmup step set (1.0: none yet, or warmup over)
    double best = -std::numeric_limits<double>::infinity();
    int64_t num_bad_epochs = 0;  ///< bad evaluations since the last improvement or reduction
    int64_t reductions = 0;      ///< LR reductions so far
  };
  explicit AutoStepSchedule(const SolverOptions& opts);
  /** LR of a group with `base_lr` for the next optimiser step. */
  double lr(double base_lr) const;
  /** The per-iteration scheduler.step(). */
  void step();
  /** scheduler.step(metric) after an evaluation; true when it reduced the LR. */
  bool step(double metric);
  /** The state after `n` optimiser steps with no evaluation (a run that switches autostep on at resume). */
  void start_at(int64_t n);
  const State& state() const { return s_; }
  void set_state(const State& s) { s_ = s; }

 private:
  double warmup_factor(int64_t last_epoch) const;
  double gamma_, warmup_factor_, min_lr_;
  int64_t warmup_iters_, patience_;
  bool linear_;
  State s_;
};

}  // namespace glip::engine
