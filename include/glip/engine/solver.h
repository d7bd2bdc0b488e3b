/**
 * Solver options: the official GLIP `SOLVER.*` keys in lower case (plus a few engine keys), declared once as
 * the `solver.*` config section (glip/config/visitor.h): YAML, `--set solver.base_lr=...`, validation and
 * docs/configs.md all come from visit().
 */
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "glip/config/visitor.h"

namespace glip::engine {

/** solver.clip_gradients.* (official SOLVER.CLIP_GRADIENTS; the "full_model" global-norm clip). */
struct ClipGradientsOptions {
  bool enabled = false;
  double clip_value = 1.0;
  void visit(config::Visitor& v);
};

struct SolverOptions {
  // Schedule and batch.
  int64_t max_iter = 1000;
  int64_t max_epoch = 0;         // > 0: max_iter = max_epoch * epoch length // ims_per_batch (official MAX_EPOCH)
  int64_t ims_per_batch = 2;     // global batch over all ranks (and accumulation steps)
  int64_t grad_accum_steps = 1;  // micro-batches per optimiser step
  // AdamW and parameter groups (solver/build.py).
  std::string optimizer = "ADAMW";
  double base_lr = 1e-4;
  double lang_lr = 1e-5;  // parameters named "language_backbone"
  double backbone_body_lr_factor = 1.0;
  double bias_lr_factor = 2.0;  // every parameter whose name contains "bias"
  double weight_decay = 1e-4;
  double weight_decay_bias = 0.0;
  double weight_decay_norm_factor = 1.0;
  // Weight-decay schedule (official SOLVER.WEIGHT_DECAY_SCHEDULE, engine/trainer.py): with the multistep schedule,
  // every group's weight decay is multiplied by gamma once the iteration passes milestone x ratio.
  bool weight_decay_schedule = false;
  double weight_decay_schedule_ratio = 0.667;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  // LR schedule (solver/lr_scheduler.py).
  std::vector<double> steps = {0.67, 0.89};  // < 1: fraction of max_iter
  double gamma = 0.1;
  double warmup_factor = 1e-3;
  int64_t warmup_iters = 0;
  std::string warmup_method = "linear";  // linear | constant
  bool use_cosine = false;
  double min_lr = 1e-6;  // official MIN_LR: end of the cosine schedule, floor of autostep
  // Official SOLVER.USE_AUTOSTEP (WarmupReduceLROnPlateau): warmup, then the LR is multiplied by gamma when the
  // evaluation metric has not improved for more than step_patience evaluations (solver.eval_period).
  bool use_autostep = false;
  int64_t step_patience = 5;
  ClipGradientsOptions clip_gradients;
  double model_ema = 0.0;          // EMA decay of the weights (0 disables)
  bool use_amp = false;            // CUDA only
  std::string amp_dtype = "fp16";  // fp16 | bf16
  int64_t checkpoint_period = 2500;
  int64_t checkpoint_keep = 3;
  int64_t log_period = 20;
  int64_t eval_period = 0;
  // Training mode (official SOLVER.TUNING_HIGHLEVEL_OVERRIDE): full | linear_prob | language_prompt_v2.
  std::string tuning_highlevel_override = "full";
  std::string nonfinite_loss = "stop";  // stop | skip
  int64_t seed = 0;                     // data order

  void visit(config::Visitor& v);
};

/** Cross-key checks the visitor cannot express; throws InputError naming `what` and the key. */
void validate_solver_options(const SolverOptions& opts, const std::string& what);

/** The milestones in iterations (fractions < 1 are scaled by max_iter and rounded, as official). */
std::vector<int64_t> milestone_iters(const SolverOptions& opts);

}  // namespace glip::engine
