/**
 * Solver options: the official GLIP `SOLVER.*` keys in lower case (plus a few engine keys), parsed from
 * flattened `key=value` strings so any config front end can feed them.
 */
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace glip::engine {

struct SolverOptions {
  // Schedule and batch.
  int64_t max_iter = 1000;
  int64_t ims_per_batch = 2;        // global batch over all ranks (and accumulation steps)
  int64_t grad_accum_steps = 1;     // micro-batches per optimiser step
  // AdamW and parameter groups (solver/build.py).
  std::string optimizer = "adamw";
  double base_lr = 1e-4;
  double lang_lr = 1e-5;            // parameters named "language_backbone"
  double backbone_body_lr_factor = 1.0;
  double bias_lr_factor = 2.0;      // every parameter whose name contains "bias"
  double weight_decay = 1e-4;
  double weight_decay_bias = 0.0;
  double weight_decay_norm_factor = 1.0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  // LR schedule (solver/lr_scheduler.py).
  std::vector<double> steps = {0.67, 0.89};  // < 1: fraction of max_iter
  double gamma = 0.1;
  double warmup_factor = 1e-3;
  int64_t warmup_iters = 0;
  std::string warmup_method = "linear";  // linear | constant
  bool use_cosine = false;
  double min_lr = 0.0;
  // Gradient clipping (global norm; solver.clip_gradients.*).
  bool clip_gradients_enabled = false;
  double clip_value = 1.0;
  // EMA of the weights (solver.model_ema; 0 disables).
  double model_ema = 0.0;
  // Mixed precision on CUDA: solver.use_amp, solver.amp_dtype fp16|bf16.
  bool use_amp = false;
  std::string amp_dtype = "fp16";
  // Checkpoints, logging, evaluation.
  int64_t checkpoint_period = 2500;
  int64_t checkpoint_keep = 3;
  int64_t log_period = 20;
  int64_t eval_period = 0;
  // Training mode (solver.tuning_highlevel_override): full | linear_prob | language_prompt_v2.
  std::string tuning_highlevel_override = "full";
  // Non-finite loss: "stop" (error with iteration and sample ids) or "skip" (drop the step).
  std::string nonfinite_loss = "stop";
  // Seed of model initialisation and data order.
  int64_t seed = 0;
  // Keys set explicitly (so tuning modes only fill in defaults).
  std::set<std::string> explicit_keys;
};

/**
 * Sets one option from its lower-case key without the "solver." prefix ("base_lr", "steps",
 * "clip_gradients.enabled", ...). `what` names the source in errors; an unknown key or a bad value throws
 * InputError naming both.
 */
void set_solver_option(SolverOptions& opts, const std::string& key, const std::string& value,
                       const std::string& what);

/** Checks ranges and combinations; throws InputError naming `what` and the key. */
void validate_solver_options(const SolverOptions& opts, const std::string& what);

/**
 * Applies the official defaults of a training mode where the key was not set explicitly: prompt tuning
 * (language_prompt_v2) trains with base_lr 0.05 and weight_decay 0.25 (GLIP README, "Prompt Tuning").
 */
void apply_tuning_defaults(SolverOptions& opts);

/** The milestones in iterations (fractions < 1 are scaled by max_iter and rounded, as official). */
std::vector<int64_t> milestone_iters(const SolverOptions& opts);

}  // namespace glip::engine
