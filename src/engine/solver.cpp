#include "glip/engine/solver.h"

#include <cmath>

#include "glip/core/error.h"

namespace glip::engine {

void ClipGradientsOptions::visit(config::Visitor& v) {
  v("enabled", enabled, "clip the global gradient norm (official CLIP_TYPE full_model)");
  v("clip_value", clip_value, "maximum global L2 norm of the gradients", config::range(1e-12, 1e12));
}

void SolverOptions::visit(config::Visitor& v) {
  using config::at_least;
  using config::one_of;
  using config::range;
  v("max_iter", max_iter, "optimiser steps of the run", at_least(1));
  v("max_epoch", max_epoch,
    "official MAX_EPOCH: > 0 sets max_iter = max_epoch x positions per epoch (data.train by weight) // "
    "ims_per_batch, so that fractional steps follow it; 0: max_iter as given",
    at_least(0));
  v("ims_per_batch", ims_per_batch, "global batch: images per step over all ranks and accumulation steps",
    range(1, 16384));
  v("grad_accum_steps", grad_accum_steps, "micro-batches accumulated per optimiser step", range(1, 16384));
  v("optimizer", optimizer, "optimiser (the official GLIP configs use ADAMW)", one_of({"ADAMW"}));
  v("base_lr", base_lr, "learning rate", at_least(0));
  v("lang_lr", lang_lr, "learning rate of parameters named language_backbone", at_least(0));
  v("backbone_body_lr_factor", backbone_body_lr_factor, "LR factor of backbone.body parameters", at_least(0));
  v("bias_lr_factor", bias_lr_factor, "LR factor of every parameter whose name contains 'bias'", at_least(0));
  v("weight_decay", weight_decay, "AdamW weight decay", at_least(0));
  v("weight_decay_bias", weight_decay_bias, "weight decay of 'bias' parameters", at_least(0));
  v("weight_decay_norm_factor", weight_decay_norm_factor, "weight decay factor of 'norm' parameters", at_least(0));
  v("weight_decay_schedule", weight_decay_schedule,
    "official WEIGHT_DECAY_SCHEDULE (GLIP-L): every weight decay x gamma once the iteration reaches milestone x "
    "weight_decay_schedule_ratio, for each milestone of solver.steps (multistep schedule only, as official)");
  v("weight_decay_schedule_ratio", weight_decay_schedule_ratio,
    "official WEIGHT_DECAY_SCHEDULE_RATIO: where the weight decay drops, as a fraction of each LR milestone",
    range(0, 1e6));
  v("beta1", beta1, "AdamW beta1", range(0, 0.999999));
  v("beta2", beta2, "AdamW beta2", range(0, 0.999999));
  v("eps", eps, "AdamW epsilon", range(1e-30, 1));
  v("steps", steps, "LR milestones: iterations, or fractions of max_iter when < 1", at_least(0));
  v("gamma", gamma, "LR factor at each milestone", at_least(0));
  v("warmup_factor", warmup_factor, "LR factor at iteration 0 of the warmup", at_least(0));
  v("warmup_iters", warmup_iters, "warmup iterations", at_least(0));
  v("warmup_method", warmup_method, "warmup shape", one_of({"linear", "constant"}));
  v("use_cosine", use_cosine, "cosine decay after the warmup instead of milestones");
  v("min_lr", min_lr, "official MIN_LR: final LR of the cosine schedule, lowest LR of autostep", at_least(0));
  v("use_autostep", use_autostep,
    "official USE_AUTOSTEP: after the warmup the LR drops by gamma when the evaluation metric (the headline metric "
    "of the first eval.datasets entry, every solver.eval_period steps) has not improved for more than step_patience "
    "evaluations; solver.steps and use_cosine are then unused");
  v("step_patience", step_patience, "official STEP_PATIENCE: evaluations without improvement autostep tolerates",
    at_least(0));
  v.section("clip_gradients", clip_gradients, "gradient clipping");
  v("model_ema", model_ema, "EMA decay of the weights (0: no EMA; official 0.999)", range(0, 0.999999999));
  v("use_amp", use_amp, "mixed precision on CUDA (ignored on CPU)");
  v("amp_dtype", amp_dtype, "autocast type under use_amp (fp16 with loss scaling, or bf16)", one_of({"fp16", "bf16"}));
  v("checkpoint_period", checkpoint_period, "iterations between checkpoints", at_least(1));
  v("checkpoint_keep", checkpoint_keep, "checkpoints kept (the newest)", at_least(1));
  v("log_period", log_period, "iterations between progress lines and metrics records", at_least(1));
  v("eval_period", eval_period,
    "iterations between evaluations of eval.datasets during training, and one at the end (0: none)", at_least(0));
  v("tuning_highlevel_override", tuning_highlevel_override,
    "training mode: full, linear_prob, or language_prompt_v2 (prompt tuning; official base_lr 0.05, "
    "weight_decay 0.25)",
    one_of({"full", "linear_prob", "language_prompt_v2"}));
  v("nonfinite_loss", nonfinite_loss, "non-finite loss: stop with iteration and sample ids, or skip the step",
    one_of({"stop", "skip"}));
  v("seed", seed, "seed of the data order");
}

void validate_solver_options(const SolverOptions& o, const std::string& what) {
  GLIP_CHECK_INPUT(o.max_iter > 0 && o.ims_per_batch > 0 && o.grad_accum_steps > 0 && o.checkpoint_period > 0 &&
                       o.checkpoint_keep > 0 && o.log_period > 0,
                   what,
                   ": solver.max_iter, ims_per_batch, grad_accum_steps, checkpoint_period, checkpoint_keep "
                   "and log_period must be > 0");
  GLIP_CHECK_INPUT(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1 && o.eps > 0, what,
                   ": solver.beta1/beta2 must be in [0, 1) and solver.eps > 0");
  GLIP_CHECK_INPUT(o.model_ema >= 0 && o.model_ema < 1, what, ": key 'solver.model_ema' has value ", o.model_ema,
                   "; expected a value in [0, 1)");
  GLIP_CHECK_INPUT(o.ims_per_batch % o.grad_accum_steps == 0, what, ": key 'solver.ims_per_batch' has value ",
                   o.ims_per_batch, "; expected a multiple of solver.grad_accum_steps (", o.grad_accum_steps, ")");
  GLIP_CHECK_INPUT(!(o.use_autostep && o.use_cosine), what,
                   ": solver.use_autostep and solver.use_cosine are both on; choose one LR schedule");
  int64_t prev = -1;
  for (int64_t m : milestone_iters(o)) {
    GLIP_CHECK_INPUT(m >= prev, what, ": key 'solver.steps' must be increasing");
    prev = m;
  }
}

std::vector<int64_t> milestone_iters(const SolverOptions& o) {
  std::vector<int64_t> out;
  for (double s : o.steps) {
    out.push_back(s < 1 ? static_cast<int64_t>(std::nearbyint(s * static_cast<double>(o.max_iter)))
                        : static_cast<int64_t>(s));
  }
  return out;
}

}  // namespace glip::engine
