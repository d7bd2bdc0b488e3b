// AdamW against libtorch's torch::optim::AdamW, parameter groups, LR schedules, clipping, EMA, loss scaler,
// training modes and solver option parsing.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "common/test_utils.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/engine/amp.h"
#include "glip/engine/ema.h"
#include "glip/engine/optimizer.h"
#include "glip/engine/schedule.h"
#include "glip/engine/solver.h"
#include "glip/engine/tuning.h"
#include "glip/modeling/glip_model.h"

namespace glip::engine {
namespace {

TEST(AdamW, MatchesLibtorchAdamWBitForBit) {
  torch::manual_seed(3);
  at::Tensor a = torch::randn({5, 3}).requires_grad_(true);
  at::Tensor b = a.detach().clone().requires_grad_(true);
  AdamW mine({{"w", a, 0.01, 0.05}}, 0.9, 0.999, 1e-8);
  torch::optim::AdamW ref({b}, torch::optim::AdamWOptions(0.01).weight_decay(0.05).betas({0.9, 0.999}).eps(1e-8));
  for (int step = 0; step < 7; ++step) {
    const at::Tensor x = torch::randn({4, 5});
    mine.zero_grad();
    ref.zero_grad();
    (x.mm(a).pow(2).sum() + a.sum()).backward();
    (x.mm(b).pow(2).sum() + b.sum()).backward();
    mine.step([](double base) { return base; });
    ref.step();
    ASSERT_TRUE(a.equal(b)) << "step " << step;
  }
  const auto st = mine.state_dict();
  EXPECT_EQ(st.at("step.w").item<int64_t>(), 7);
  // Restoring the state into a fresh optimiser continues identically.
  at::Tensor c = a.detach().clone().requires_grad_(true);
  AdamW resumed({{"w", c, 0.01, 0.05}}, 0.9, 0.999, 1e-8);
  resumed.load_state_dict(st, "test");
  const at::Tensor g = torch::randn({5, 3});
  a.mutable_grad() = g.clone();
  c.mutable_grad() = g.clone();
  mine.step([](double base) { return base * 0.5; });
  resumed.step([](double base) { return base * 0.5; });
  EXPECT_TRUE(a.equal(c));
}

TEST(AdamW, SkipsParametersWithoutGradientAndRejectsBadState) {
  at::Tensor p = torch::ones({2}).requires_grad_(true);
  AdamW opt({{"p", p, 0.1, 0.1}}, 0.9, 0.999, 1e-8);
  opt.step([](double b) { return b; });
  EXPECT_TRUE(p.equal(torch::ones({2})));
  EXPECT_TRUE(opt.state_dict().empty());
  std::map<std::string, at::Tensor> bad = {
      {"step.p", torch::tensor(int64_t{1})}, {"exp_avg.p", torch::zeros({3})}, {"exp_avg_sq.p", torch::zeros({3})}};
  EXPECT_THROW(opt.load_state_dict(bad, "ckpt"), InputError);
  bad.erase("exp_avg.p");
  EXPECT_THROW(opt.load_state_dict(bad, "ckpt"), InputError);
}

TEST(ParamGroups, OfficialLanguageBiasAndNormRules) {
  SolverOptions o;
  o.base_lr = 1e-4, o.lang_lr = 1e-5, o.weight_decay = 1e-4, o.backbone_body_lr_factor = 0.5;
  auto t = [] { return torch::zeros({1}).requires_grad_(true); };
  const std::vector<std::pair<std::string, at::Tensor>> named = {
      {"backbone.body.layers.0.blocks.0.attn.relative_position_bias_table", t()},
      {"backbone.body.patch_embed.proj.weight", t()},
      {"language_backbone.body.model.encoder.layer.0.output.dense.bias", t()},
      {"language_backbone.body.model.embeddings.word_embeddings.weight", t()},
      {"rpn.head.bias_lang", t()},
      {"rpn.head.bias0", t()},
      {"rpn.head.cls_logits.weight", t()},
      {"frozen.weight", torch::zeros({1})},
  };
  const auto specs = build_param_specs(named, o);
  ASSERT_EQ(specs.size(), 7u);  // the frozen tensor is left out
  EXPECT_DOUBLE_EQ(specs[0].base_lr, 1e-4 * 0.5 * 2);
  EXPECT_DOUBLE_EQ(specs[0].weight_decay, 0.0);
  EXPECT_DOUBLE_EQ(specs[1].base_lr, 1e-4 * 0.5);
  EXPECT_DOUBLE_EQ(specs[1].weight_decay, 1e-4);
  EXPECT_DOUBLE_EQ(specs[2].base_lr, 2e-5);
  EXPECT_DOUBLE_EQ(specs[2].weight_decay, 0.0);
  EXPECT_DOUBLE_EQ(specs[3].base_lr, 1e-5);
  EXPECT_DOUBLE_EQ(specs[4].base_lr, 2e-4);
  EXPECT_DOUBLE_EQ(specs[5].weight_decay, 0.0);
  EXPECT_DOUBLE_EQ(specs[6].base_lr, 1e-4);
  EXPECT_DOUBLE_EQ(specs[6].weight_decay, 1e-4);
}

TEST(Schedule, WarmupMultistepAsOfficial) {
  SolverOptions o;
  o.max_iter = 100, o.steps = {0.67, 0.89}, o.gamma = 0.1, o.warmup_iters = 10, o.warmup_factor = 1e-3;
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.lr(1.0, 0), 1e-3);
  EXPECT_DOUBLE_EQ(s.lr(1.0, 5), 1e-3 * 0.5 + 0.5);
  EXPECT_DOUBLE_EQ(s.lr(2.0, 10), 2.0);
  EXPECT_DOUBLE_EQ(s.lr(1.0, 66), 1.0);
  EXPECT_DOUBLE_EQ(s.lr(1.0, 67), 0.1);  // bisect_right: the milestone iteration is already decayed
  EXPECT_NEAR(s.lr(1.0, 89), 0.01, 1e-15);
  o.warmup_method = "constant";
  EXPECT_DOUBLE_EQ(LrSchedule(o).lr(1.0, 9), 1e-3);
  o.steps = {30, 60};  // absolute milestones
  EXPECT_DOUBLE_EQ(LrSchedule(o).lr(1.0, 30), 0.1);
}

TEST(Schedule, WarmupCosineAsOfficial) {
  SolverOptions o;
  o.max_iter = 100, o.use_cosine = true, o.warmup_iters = 10, o.warmup_factor = 0.1, o.min_lr = 1e-6;
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.lr(1e-4, 0), 1e-5);
  EXPECT_DOUBLE_EQ(s.lr(1e-4, 10), 1e-4);
  EXPECT_NEAR(s.lr(1e-4, 60), 1e-6 + (1e-4 - 1e-6) * (1 + std::cos(M_PI * 0.5)) / 2, 1e-18);
}

TEST(Clip, MatchesGlobalNormDefinition) {
  at::Tensor a = torch::zeros({2}).requires_grad_(true), b = torch::zeros({1}).requires_grad_(true);
  a.mutable_grad() = torch::tensor({3.0f, 0.0f});
  b.mutable_grad() = torch::tensor({4.0f});
  EXPECT_NEAR(grad_norm({a, b}), 5.0, 1e-6);
  EXPECT_NEAR(clip_grad_norm({a, b}, 1.0), 5.0, 1e-6);
  EXPECT_ALL_CLOSE(a.grad(), torch::tensor({0.6f, 0.0f}), 1e-5, 1e-6);
  EXPECT_NEAR(grad_norm({a, b}), 1.0, 1e-5);
  EXPECT_NEAR(clip_grad_norm({a, b}, 10.0), 1.0, 1e-5);  // below the limit: unchanged
  EXPECT_NEAR(grad_norm({a, b}), 1.0, 1e-5);
}

TEST(Ema, UpdatesFloatTensorsAndCopiesIntegers) {
  at::Tensor w = torch::zeros({2});
  at::Tensor n = torch::zeros({1}, at::kLong);
  ModelEma ema({{"w", w}, {"n", n}}, 0.9);
  w.fill_(1.0);
  n.fill_(7);
  ema.update({{"w", w}, {"n", n}});
  EXPECT_ALL_CLOSE(ema.state().at("w"), torch::full({2}, 0.1f), 0, 1e-7);
  EXPECT_EQ(ema.state().at("n").item<int64_t>(), 7);
  ema.update({{"w", w}, {"n", n}});
  EXPECT_ALL_CLOSE(ema.state().at("w"), torch::full({2}, 0.19f), 0, 1e-6);
  EXPECT_THROW(ema.load({{"w", torch::zeros({3})}, {"n", n}}, "ckpt"), InputError);
}

TEST(GradScaler, BackoffOnOverflowAndGrowthAfterInterval) {
  GradScaler s(true, 1024.0, 2.0, 0.5, 2);
  at::Tensor p = torch::zeros({2}).requires_grad_(true);
  EXPECT_DOUBLE_EQ(s.scale_loss(torch::tensor(1.0f)).item<double>(), 1024.0);
  p.mutable_grad() = torch::tensor({1024.0f, 2048.0f});
  EXPECT_TRUE(s.unscale_and_check({p}));
  EXPECT_ALL_CLOSE(p.grad(), torch::tensor({1.0f, 2.0f}), 0, 0);
  p.mutable_grad() = torch::tensor({INFINITY, 1.0f});
  EXPECT_FALSE(s.unscale_and_check({p}));
  s.update(true);
  EXPECT_DOUBLE_EQ(s.scale(), 512.0);
  s.update(false);
  s.update(false);
  EXPECT_DOUBLE_EQ(s.scale(), 1024.0);
  GradScaler off(false);
  EXPECT_DOUBLE_EQ(off.scale_loss(torch::tensor(3.0f)).item<double>(), 3.0);
}

TEST(GradScaler, GradsFiniteFindsAnyInfinityOrNanAndOnlyThose) {
  auto param = [](at::Tensor g) {
    at::Tensor p = torch::zeros_like(g).requires_grad_(true);
    p.mutable_grad() = g;
    return p;
  };
  const at::Tensor big = torch::full({1000}, 3e38f);  // finite, but its sum overflows float
  const at::Tensor neg_zero = torch::full({3}, -0.0f);
  at::Tensor undefined_grad = torch::zeros({2}).requires_grad_(true);
  EXPECT_TRUE(grads_finite({}));
  EXPECT_TRUE(grads_finite({param(big), param(-big), param(neg_zero), param(torch::zeros({0})), undefined_grad}));
  for (const float bad : {INFINITY, -INFINITY, NAN}) {
    for (int64_t at_index : {0, 999}) {
      at::Tensor g = big.clone();
      g[at_index] = bad;
      EXPECT_FALSE(grads_finite({param(neg_zero), param(g.view({10, 100}))})) << bad << " at " << at_index;
    }
    EXPECT_FALSE(grads_finite({param(torch::tensor({bad}, torch::kDouble)), param(big)})) << bad;
  }
}

std::vector<std::pair<std::string, at::Tensor>> glip_like_params() {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const char* n :
       {"backbone.body.patch_embed.proj.weight", "backbone.body.absolute_pos_embed", "backbone.body.layers.0.w",
        "backbone.body.layers.1.w", "backbone.body.layers.2.w", "backbone.fpn.fpn_inner2.weight",
        "language_backbone.body.model.embeddings.word_embeddings.weight", "rpn.head.cls_logits.weight",
        "rpn.head.bbox_pred.bias", "rpn.head.centerness.weight", "rpn.head.dot_product_projection_text.weight",
        "rpn.head.log_scale", "rpn.head.bias_lang", "rpn.head.bias0", "rpn.head.dyhead_tower.0.w",
        "rpn.tunable_linear.weight"}) {
    out.emplace_back(n, torch::zeros({1}));
  }
  return out;
}

std::vector<std::string> trainable(const std::vector<std::pair<std::string, at::Tensor>>& named) {
  std::vector<std::string> out;
  for (const auto& [k, v] : named)
    if (v.requires_grad()) out.push_back(k);
  return out;
}

TEST(TrainingModes, LinearProbePromptTuningAndFrozenStages) {
  auto named = glip_like_params();
  EXPECT_EQ(apply_training_mode(named, "linear_prob", -1), 7);
  EXPECT_EQ(trainable(named),
            (std::vector<std::string>{"rpn.head.cls_logits.weight", "rpn.head.bbox_pred.bias",
                                      "rpn.head.centerness.weight", "rpn.head.dot_product_projection_text.weight",
                                      "rpn.head.log_scale", "rpn.head.bias_lang", "rpn.head.bias0"}));
  apply_training_mode(named, "language_prompt_v2", -1);
  EXPECT_EQ(trainable(named), std::vector<std::string>{"rpn.tunable_linear.weight"});
  EXPECT_EQ(apply_training_mode(named, "full", 2), 16 - 3);  // patch_embed, abs pos embed, layers.0
  EXPECT_FALSE(named[3].second.requires_grad() == false);    // layers.1 still trains
  apply_training_mode(named, "full", 0);
  EXPECT_TRUE(named[1].second.requires_grad());
  EXPECT_THROW(apply_training_mode(named, "nonsense", -1), InputError);
  std::vector<std::pair<std::string, at::Tensor>> resnet = {{"backbone.body.stem.conv1.weight", torch::zeros({1})},
                                                            {"backbone.body.layer1.0.w", torch::zeros({1})},
                                                            {"backbone.body.layer2.0.w", torch::zeros({1})}};
  EXPECT_EQ(apply_training_mode(resnet, "full", 2), 1);
  EXPECT_THROW(apply_training_mode(resnet, "language_prompt_v2", -1), InputError);  // nothing left to train
}

struct SolverRoot {
  SolverOptions solver;
  void visit(config::Visitor& v) { v.section("solver", solver, "solver"); }
};

TEST(SolverOptions, LoadsOfficialKeysAndRejectsBadValues) {
  SolverRoot r;
  config::load_string(r, "solver: {base_lr: 0.001, steps: [0.5, 0.75], clip_gradients: {enabled: true}}",
                      {"solver.tuning_highlevel_override=language_prompt_v2"}, "cfg.yaml");
  EXPECT_DOUBLE_EQ(r.solver.base_lr, 1e-3);
  EXPECT_EQ(r.solver.steps, (std::vector<double>{0.5, 0.75}));
  EXPECT_TRUE(r.solver.clip_gradients.enabled);
  EXPECT_EQ(r.solver.tuning_highlevel_override, "language_prompt_v2");
  try {
    config::load_string(r, "solver: {base_lr: fast}", {}, "cfg.yaml");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("solver.base_lr"), std::string::npos) << e.what();
  }
  EXPECT_THROW(config::load_string(r, "solver: {no_such_key: 1}", {}, "cfg.yaml"), InputError);
  EXPECT_THROW(config::load_string(r, "solver: {amp_dtype: fp8}", {}, "cfg.yaml"), InputError);
  EXPECT_THROW(config::load_string(r, "solver: {tuning_highlevel_override: everything}", {}, "cfg.yaml"), InputError);
  SolverOptions v;
  v.ims_per_batch = 3, v.grad_accum_steps = 2;
  EXPECT_THROW(validate_solver_options(v, "cfg"), InputError);
  v.grad_accum_steps = 1, v.steps = {0.8, 0.2};
  EXPECT_THROW(validate_solver_options(v, "cfg"), InputError);
}

}  // namespace
}  // namespace glip::engine

namespace glip::engine {
namespace {

bool module_training(torch::nn::Module& model, const std::string& name) {
  for (const auto& item : model.named_modules())
    if (item.key() == name) return item.value()->is_training();
  ADD_FAILURE() << "no module " << name;
  return false;
}

// Official GeneralizedVLRCNN.train(): frozen parts run in eval mode (MODEL.BACKBONE/FPN/RPN/LANGUAGE_BACKBONE
// .FREEZE as tools/finetune.py sets them per mode), so dropout, drop-path and DropBlock are off there.
TEST(TrainingModes, FrozenPartsRunInEvalMode) {
  modeling::GlipModel model(modeling::GlipModelOptions::tiny());
  const TextBatch text{torch::tensor({{101, 2732, 1012, 3869, 102}}, at::kLong), torch::ones({1, 5}, at::kLong),
                       torch::zeros({1, 5}, at::kLong)};
  const auto lang_twice_equal = [&] {
    torch::manual_seed(1);
    const auto a = model->language_backbone->forward(text).hidden;
    const auto b = model->language_backbone->forward(text).hidden;
    return at::equal(a, b);
  };
  model->train();
  EXPECT_EQ(set_frozen_modules_eval(*model, "full", -1), 0);
  EXPECT_FALSE(lang_twice_equal());  // BERT dropout is on while training

  model->train();
  EXPECT_EQ(set_frozen_modules_eval(*model, "linear_prob", -1), 3);
  for (const char* m : {"backbone.body", "backbone.fpn", "language_backbone", "backbone.body.layers.0"})
    EXPECT_FALSE(module_training(*model, m)) << m;
  EXPECT_TRUE(module_training(*model, "rpn.head"));
  EXPECT_TRUE(model->is_training());
  EXPECT_TRUE(lang_twice_equal());

  model->train();
  EXPECT_EQ(set_frozen_modules_eval(*model, "language_prompt_v2", -1), 4);
  EXPECT_FALSE(module_training(*model, "rpn.head"));
  EXPECT_TRUE(module_training(*model, "rpn"));

  model->train();
  EXPECT_EQ(set_frozen_modules_eval(*model, "full", 2), 2);  // patch_embed, layers.0
  EXPECT_FALSE(module_training(*model, "backbone.body.patch_embed"));
  EXPECT_FALSE(module_training(*model, "backbone.body.layers.0"));
  EXPECT_TRUE(module_training(*model, "backbone.body.layers.1"));
  EXPECT_TRUE(module_training(*model, "language_backbone"));
}

}  // namespace
}  // namespace glip::engine

namespace glip::engine {
namespace {

// Official SOLVER.WEIGHT_DECAY_SCHEDULE (engine/trainer.py do_train), computed by hand from its loop: after each
// optimiser step (scheduler.last_epoch = steps done), when last_epoch >= milestone[target] x ratio, every group's
// weight_decay *= gamma and the target moves on; the next step uses the lower decay.
TEST(Schedule, WeightDecayScheduleAsOfficial) {
  SolverOptions o;  // configs/pretrain/glip_l.yaml
  o.max_iter = 1000000, o.steps = {0.67, 0.89}, o.gamma = 0.1, o.weight_decay = 0.01;
  o.weight_decay_schedule = true;  // ratio: the official default 0.667
  EXPECT_DOUBLE_EQ(o.weight_decay_schedule_ratio, 0.667);
  const WeightDecaySchedule s(o);
  // Milestones round(0.67e6) = 670000, round(0.89e6) = 890000; thresholds 670000 x 0.667 = 446890 and
  // 890000 x 0.667 = 593630: the step after last_epoch reached them, 0-based iteration 446890 and 593630.
  EXPECT_EQ(s.drop_iterations(), (std::vector<int64_t>{446890, 593630}));
  EXPECT_EQ(s.weight_decay(0.01, 0), 0.01);
  EXPECT_EQ(s.weight_decay(0.01, 446889), 0.01);
  EXPECT_EQ(s.weight_decay(0.01, 446890), 0.01 * 0.1);  // bit for bit: param['weight_decay'] *= gamma
  EXPECT_EQ(s.weight_decay(0.01, 593629), 0.01 * 0.1);
  EXPECT_EQ(s.weight_decay(0.01, 593630), 0.01 * 0.1 * 0.1);
  EXPECT_EQ(s.weight_decay(0.01, 999999), 0.01 * 0.1 * 0.1);
  EXPECT_EQ(s.weight_decay(0.0, 999999), 0.0);  // the bias groups' 0 stays 0
  // A fractional threshold: max_iter 20, steps 0.5, 0.8 -> milestones 10, 16, thresholds 6.67 and 10.672: reached
  // at last_epoch 7 and 11.
  o.max_iter = 20, o.steps = {0.5, 0.8};
  EXPECT_EQ(WeightDecaySchedule(o).drop_iterations(), (std::vector<int64_t>{7, 11}));
  // One drop per step: thresholds 3 x 0.5 = 1.5 and 4 x 0.5 = 2 are both reached at last_epoch 2; the second drop
  // comes a step later. A milestone at 0 counts as passed before the loop: no drop.
  o.steps = {0, 3, 4}, o.weight_decay_schedule_ratio = 0.5;
  EXPECT_EQ(WeightDecaySchedule(o).drop_iterations(), (std::vector<int64_t>{2, 3}));
  // Official: only with the multistep scheduler (`hasattr(scheduler, 'milestones')`), and off by default.
  o.weight_decay_schedule_ratio = 0.667, o.steps = {0.5, 0.8};
  o.use_cosine = true;
  EXPECT_FALSE(WeightDecaySchedule(o).active());
  o.use_cosine = false, o.use_autostep = true;
  EXPECT_FALSE(WeightDecaySchedule(o).active());
  o.use_autostep = false, o.weight_decay_schedule = false;
  EXPECT_FALSE(WeightDecaySchedule(o).active());
  EXPECT_EQ(WeightDecaySchedule(o).weight_decay(0.01, 19), 0.01);
  EXPECT_FALSE(SolverOptions{}.weight_decay_schedule);
}

// Official SOLVER.USE_AUTOSTEP (WarmupReduceLROnPlateau over torch's ReduceLROnPlateau, mode max), by hand:
// warmup 3 steps from 0.1, patience 2, gamma 0.1, min_lr 1e-6.
TEST(Schedule, AutoStepAsOfficial) {
  SolverOptions o;
  EXPECT_FALSE(o.use_autostep);
  EXPECT_EQ(o.step_patience, 5);     // official STEP_PATIENCE
  EXPECT_DOUBLE_EQ(o.min_lr, 1e-6);  // official MIN_LR
  o.use_autostep = true, o.warmup_iters = 3, o.warmup_factor = 0.1, o.step_patience = 2, o.gamma = 0.1;
  AutoStepSchedule s(o);
  EXPECT_EQ(s.lr(1.0), 1.0);  // no LR set at construction: the first step runs at the full LR
  s.step();                   // last_epoch 0: 0.1
  EXPECT_DOUBLE_EQ(s.lr(1.0), 0.1);
  s.step();  // last_epoch 1: 0.1 x (1 - 1/3) + 1/3
  EXPECT_DOUBLE_EQ(s.lr(1.0), 0.1 * (1 - 1.0 / 3) + 1.0 / 3);
  s.step();  // last_epoch 2 = warmup_iters - 1: 1.0
  EXPECT_EQ(s.lr(1.0), 1.0);
  s.step();  // past the warmup: the per-iteration step changes nothing
  EXPECT_EQ(s.state().last_epoch, 3);
  EXPECT_FALSE(s.step(0.5));      // best 0.5
  EXPECT_FALSE(s.step(0.5));      // not better than 0.5 x (1 + 1e-4): bad 1
  EXPECT_FALSE(s.step(0.50004));  // bad 2 (= patience)
  EXPECT_EQ(s.state().num_bad_epochs, 2);
  EXPECT_EQ(s.lr(1.0), 1.0);
  EXPECT_TRUE(s.step(0.4));  // bad 3 > patience: LR x gamma, count restarts
  EXPECT_DOUBLE_EQ(s.lr(1.0), 0.1);
  EXPECT_EQ(s.state().num_bad_epochs, 0);
  EXPECT_EQ(s.state().best, 0.5);
  EXPECT_FALSE(s.step(0.50006));  // better than 0.5 x 1.0001
  EXPECT_EQ(s.state().best, 0.50006);
  EXPECT_FALSE(s.step(0.0));  // `elif metrics:` a metric of 0 is ignored
  EXPECT_EQ(s.state().num_bad_epochs, 0);
  for (int k = 0; k < 2; ++k) EXPECT_FALSE(s.step(0.1));
  EXPECT_TRUE(s.step(0.1));
  EXPECT_DOUBLE_EQ(s.lr(1.0), 0.01);
  // Per group, floored at min_lr; a change under eps 1e-8 is not applied.
  EXPECT_DOUBLE_EQ(s.lr(1e-5), 1e-6);  // 1e-5 -> 1e-6 -> max(1e-7, 1e-6)
  EXPECT_DOUBLE_EQ(s.lr(2e-4), 2e-6);
  // NaN is never better: a bad evaluation.
  EXPECT_FALSE(s.step(std::nan("")));
  EXPECT_EQ(s.state().num_bad_epochs, 1);
  // An evaluation during the warmup is one more warmup step (the official scheduler.step(metric) takes the
  // warmup branch whatever the metric).
  AutoStepSchedule w(o);
  w.step();
  EXPECT_FALSE(w.step(0.7));
  EXPECT_EQ(w.state().last_epoch, 2);
  EXPECT_DOUBLE_EQ(w.lr(1.0), 0.1 * (1 - 1.0 / 3) + 1.0 / 3);
  EXPECT_EQ(w.state().best, -std::numeric_limits<double>::infinity());
  // start_at(n): n steps without evaluation.
  AutoStepSchedule r(o);
  r.start_at(2);
  EXPECT_EQ(r.state().last_epoch, 2);
  EXPECT_DOUBLE_EQ(r.lr(1.0), 0.1 * (1 - 1.0 / 3) + 1.0 / 3);
  r.start_at(1000);
  EXPECT_EQ(r.lr(1.0), 1.0);
  // Constant warmup, and no warmup at all.
  o.warmup_method = "constant";
  AutoStepSchedule c(o);
  c.step();
  c.step();
  EXPECT_DOUBLE_EQ(c.lr(1.0), 0.1);
  c.step();
  EXPECT_EQ(c.lr(1.0), 1.0);
  o.warmup_iters = 0;
  AutoStepSchedule z(o);
  z.step();
  EXPECT_EQ(z.lr(3.0), 3.0);
  EXPECT_FALSE(z.step(1.0));
  EXPECT_EQ(z.state().best, 1.0);
}

TEST(AdamW, ScheduledWeightDecayMatchesLibtorchWithThatDecay) {
  torch::manual_seed(4);
  at::Tensor a = torch::randn({4, 3}).requires_grad_(true);
  at::Tensor b = a.detach().clone().requires_grad_(true);
  AdamW mine({{"w", a, 0.01, 0.05}}, 0.9, 0.999, 1e-8);
  torch::optim::AdamW ref({b}, torch::optim::AdamWOptions(0.01).weight_decay(0.05 * 0.1));
  for (int step = 0; step < 5; ++step) {
    const at::Tensor g = torch::randn({4, 3});
    a.mutable_grad() = g.clone();
    b.mutable_grad() = g.clone();
    mine.step([](double base) { return base; }, [](double wd) { return wd * 0.1; });
    ref.step();
    ASSERT_TRUE(a.equal(b)) << "step " << step;
  }
}

TEST(SolverOptions, ScheduleKeysLoadWithTheOfficialDefaults) {
  SolverRoot r;
  config::load_string(r,
                      "solver: {weight_decay_schedule: true, weight_decay_schedule_ratio: 0.5, use_autostep: true, "
                      "step_patience: 3, max_epoch: 30, min_lr: 0.0}",
                      {}, "cfg.yaml");
  EXPECT_TRUE(r.solver.weight_decay_schedule);
  EXPECT_EQ(r.solver.weight_decay_schedule_ratio, 0.5);
  EXPECT_TRUE(r.solver.use_autostep);
  EXPECT_EQ(r.solver.step_patience, 3);
  EXPECT_EQ(r.solver.max_epoch, 30);
  EXPECT_EQ(r.solver.min_lr, 0.0);
  const SolverOptions d;
  EXPECT_FALSE(d.weight_decay_schedule);
  EXPECT_EQ(d.weight_decay_schedule_ratio, 0.667);
  EXPECT_FALSE(d.use_autostep);
  EXPECT_EQ(d.step_patience, 5);
  EXPECT_EQ(d.max_epoch, 0);
  EXPECT_EQ(d.min_lr, 1e-6);
  EXPECT_THROW(config::load_string(r, "solver: {step_patience: -1}", {}, "cfg.yaml"), InputError);
  SolverOptions both;
  both.use_autostep = true, both.use_cosine = true;
  EXPECT_THROW(validate_solver_options(both, "cfg"), InputError);
}

}  // namespace
}  // namespace glip::engine
