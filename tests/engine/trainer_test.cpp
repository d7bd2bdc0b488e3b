// The training loop on a toy task: loss falls, checkpoints and exact resume (in process and after kill -9 of a
// child trainer at random moments), non-finite losses, gradient accumulation, hooks' files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "child_process.h"
#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/engine/checkpoint.h"
#include "glip/engine/hooks.h"
#include "glip/io/safetensors.h"
#include "toy_task.h"

namespace glip::engine {
namespace {
namespace fs = std::filesystem;
using test::ToyTask;

TrainerOptions toy_options(const std::string& dir, int64_t max_iter) {
  TrainerOptions o;
  o.work_dir = dir;
  o.solver.max_iter = max_iter;
  o.solver.ims_per_batch = 8;
  o.solver.base_lr = 0.01;
  o.solver.warmup_iters = 5;
  o.solver.warmup_factor = 0.1;
  o.solver.steps = {0.5, 0.8};
  o.solver.weight_decay = 1e-4;
  o.solver.clip_gradients.enabled = true;
  o.solver.clip_gradients.clip_value = 1.0;
  o.solver.model_ema = 0.9;
  o.solver.checkpoint_period = 5;
  o.solver.checkpoint_keep = 3;
  o.solver.log_period = 5;
  o.solver.seed = 11;
  return o;
}

TrainResult run_toy(const TrainerOptions& o, double dropout, std::shared_ptr<Comm> comm = make_single_process_comm(),
                    std::shared_ptr<TrainHook> extra = nullptr, int64_t nan_at = -1, int64_t nan_micro = -1) {
  torch::manual_seed(1);
  ToyTask task(64, dropout);
  task.nan_at = nan_at;
  task.nan_micro = nan_micro;
  Trainer t(task, o, std::move(comm));
  t.add_hook(make_progress_hook());
  t.add_hook(make_metrics_hook());
  t.add_hook(make_curves_hook());
  if (extra) t.add_hook(extra);
  return t.train();
}

std::map<std::string, at::Tensor> final_weights(const std::string& dir) {
  return io::load_safetensors(dir + "/model_final.safetensors").tensors;
}

double max_abs_diff(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b) {
  double m = 0;
  for (const auto& [k, v] : a)
    m = std::max(m, (v.to(at::kDouble) - b.at(k).to(at::kDouble)).abs().max().item<double>());
  return m;
}

TEST(Trainer, LossFallsAndWritesCheckpointsMetricsAndCurves) {
  const std::string dir = glip::test::temp_dir("engine_train");
  auto o = toy_options(dir, 60);
  const TrainResult r = run_toy(o, 0.0);
  EXPECT_EQ(r.final_iteration, 60);
  EXPECT_GT(r.images_per_second, 0.0);
  std::ifstream in(dir + "/metrics.jsonl");
  std::string line;
  std::vector<double> losses;
  while (std::getline(in, line)) losses.push_back(nlohmann::json::parse(line).at("loss").get<double>());
  ASSERT_EQ(losses.size(), 12u);
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  EXPECT_TRUE(fs::exists(dir + "/model_final.safetensors"));
  EXPECT_TRUE(fs::exists(dir + "/model_final_ema.safetensors"));
  EXPECT_TRUE(fs::exists(dir + "/loss_curves.png"));
  // Keep-last-3: 50, 55, 60 remain.
  int models = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("model_00", 0) == 0) ++models;
  EXPECT_EQ(models, 3);
  EXPECT_TRUE(fs::exists(dir + "/model_0000060.safetensors"));
  EXPECT_FALSE(fs::exists(dir + "/model_0000045.safetensors"));
  const auto rec = nlohmann::json::parse(read_file(dir + "/train_0000060.json"));
  EXPECT_EQ(rec.at("data").at("position").get<int64_t>(), 60 * 8);
  // The final weights are the model's state dict under its own names.
  const auto w = final_weights(dir);
  EXPECT_TRUE(w.count("body.weight") && w.count("head.bias") && w.count("log_scale") && w.count("num_updates"));
}

class ThrowAt : public TrainHook {
 public:
  explicit ThrowAt(int64_t it) : it_(it) {}
  void after_step(Trainer&, const StepStats& st) override {
    if (st.iteration == it_) throw std::runtime_error("simulated crash");
  }
  int64_t it_;
};

TEST(Trainer, ResumeInProcessIsBitIdentical) {
  const std::string ref = glip::test::temp_dir("engine_ref"), dir = glip::test::temp_dir("engine_resume");
  run_toy(toy_options(ref, 23), 0.3);
  auto o = toy_options(dir, 23);
  EXPECT_THROW(run_toy(o, 0.3, make_single_process_comm(), std::make_shared<ThrowAt>(13)), std::runtime_error);
  EXPECT_THROW(run_toy(o, 0.3), InputError);  // a checkpoint is there and --resume was not given
  o.resume = true;
  const TrainResult r = run_toy(o, 0.3);
  EXPECT_EQ(r.start_iteration, 10);
  EXPECT_EQ(read_file(ref + "/model_final.safetensors"), read_file(dir + "/model_final.safetensors"));
  EXPECT_EQ(read_file(ref + "/model_final_ema.safetensors"), read_file(dir + "/model_final_ema.safetensors"));
}

TEST(Trainer, NonFiniteLossStopsWithIterationAndSamplesOrIsSkipped) {
  auto o = toy_options(glip::test::temp_dir("engine_nan"), 10);
  try {
    run_toy(o, 0.0, make_single_process_comm(), nullptr, 3);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("non-finite loss at iteration 4"), std::string::npos) << msg;
    EXPECT_NE(msg.find("dataset indices ["), std::string::npos) << msg;
  }
  auto skip = toy_options(glip::test::temp_dir("engine_nan_skip"), 10);
  skip.solver.nonfinite_loss = "skip";
  const TrainResult r = run_toy(skip, 0.0, make_single_process_comm(), nullptr, 3);
  EXPECT_EQ(r.skipped_steps, 1);
  for (const auto& [k, v] : final_weights(skip.work_dir)) EXPECT_TRUE(at::isfinite(v).all().item<bool>()) << k;
}

// One NaN micro-batch among 4 of a step: the step is skipped (weights and EMA untouched) and reported; the error
// names that micro-batch's samples only; the logged terms of every other step are the mean over its micro-batches
// (terms / accum summed in micro-batch order, the arithmetic the engine keeps on the device until the step ends).
class RecordingTask : public ToyTask {
 public:
  RecordingTask() : ToyTask(64, 0.0) {}
  LossTerms losses(const std::vector<int64_t>& idx, int64_t iteration) override {
    LossTerms t = ToyTask::losses(idx, iteration);
    calls.push_back({iteration, idx, t.at("loss_mse").item<double>(), t.at("loss_l1").item<double>()});
    return t;
  }
  struct Call {
    int64_t iteration;
    std::vector<int64_t> idx;
    double mse, l1;
  };
  std::vector<Call> calls;
};

class StepRecorder : public TrainHook {
 public:
  void after_step(Trainer& t, const StepStats& st) override {
    steps.push_back(st);
    weights.push_back(copy(t.model_state(false)));
    ema.push_back(copy(t.model_state(true)));
  }
  static std::map<std::string, at::Tensor> copy(const std::map<std::string, at::Tensor>& m) {
    std::map<std::string, at::Tensor> out;
    for (const auto& [k, v] : m) out[k] = v.clone();  // model_state() aliases the live weights
    return out;
  }
  std::vector<StepStats> steps;
  std::vector<std::map<std::string, at::Tensor>> weights, ema;
};

TEST(Trainer, ANonFiniteMicroBatchSkipsTheStepAndIsReported) {
  auto o = toy_options(glip::test::temp_dir("engine_nan_micro"), 6);
  o.solver.grad_accum_steps = 4;  // 8 images per step: 4 micro-batches of 2
  {
    RecordingTask task;
    task.nan_at = 3;
    task.nan_micro = 2;
    Trainer t(task, o, make_single_process_comm());
    try {
      t.train();
      FAIL() << "expected an error";
    } catch (const Error& e) {
      const std::string msg = e.what();
      ASSERT_EQ(task.calls.size(), 16u);  // 3 clean steps, then all 4 micro-batches of the bad one
      const auto& bad = task.calls[14].idx;
      ASSERT_EQ(bad.size(), 2u);
      const std::string want = "non-finite loss at iteration 4 on this rank (rank 0): dataset indices [" +
                               std::to_string(bad[0]) + ", " + std::to_string(bad[1]) + "]";
      EXPECT_NE(msg.find(want), std::string::npos) << msg;
    }
  }
  o.work_dir = glip::test::temp_dir("engine_nan_micro_skip");
  o.solver.nonfinite_loss = "skip";
  RecordingTask task;
  task.nan_at = 3;
  task.nan_micro = 2;
  auto rec = std::make_shared<StepRecorder>();
  Trainer t(task, o, make_single_process_comm());
  t.add_hook(rec);
  const TrainResult r = t.train();
  EXPECT_EQ(r.skipped_steps, 1);
  ASSERT_EQ(rec->steps.size(), 6u);
  ASSERT_EQ(task.calls.size(), 24u);
  for (size_t k = 0; k < 6; ++k) {
    const StepStats& st = rec->steps[k];
    EXPECT_EQ(st.iteration, static_cast<int64_t>(k) + 1);
    EXPECT_EQ(st.skipped, k == 3) << "step " << k + 1;
    double mse = 0, l1 = 0;
    for (size_t m = 0; m < 4; ++m) {
      mse += task.calls[4 * k + m].mse / 4.0;
      l1 += task.calls[4 * k + m].l1 / 4.0;
    }
    EXPECT_EQ(st.losses.at("loss_l1"), l1) << "step " << k + 1;
    if (k == 3) {
      EXPECT_TRUE(std::isnan(st.losses.at("loss_mse")));
      EXPECT_EQ(st.grad_norm, 0.0);
    } else {
      EXPECT_EQ(st.losses.at("loss_mse"), mse) << "step " << k + 1;
      EXPECT_EQ(st.loss, mse + l1) << "step " << k + 1;
    }
  }
  for (const auto& [k, v] : rec->weights[3]) {
    EXPECT_TRUE(at::equal(v, rec->weights[2].at(k))) << "the skipped step changed " << k;
    EXPECT_TRUE(at::equal(rec->ema[3].at(k), rec->ema[2].at(k))) << "the skipped step moved the EMA of " << k;
    EXPECT_FALSE(at::equal(v, rec->weights[4].at(k)) && k.find("num_updates") == std::string::npos)
        << "the step after the skipped one did not train " << k;
  }
}

TEST(Trainer, GradientAccumulationMatchesTheFullBatch) {
  auto a = toy_options(glip::test::temp_dir("engine_acc1"), 6);
  auto b = toy_options(glip::test::temp_dir("engine_acc2"), 6);
  b.solver.grad_accum_steps = 4;
  run_toy(a, 0.0);
  run_toy(b, 0.0);
  EXPECT_LE(max_abs_diff(final_weights(a.work_dir), final_weights(b.work_dir)), 1e-6);
}

// A task that asks for stream positions: it sees it*B + m*(B/accum) + [0, b) and maps them itself.
class PositionTask : public ToyTask {
 public:
  PositionTask() : ToyTask(64, 0.0) {}
  bool wants_stream_positions() const override { return true; }
  LossTerms losses(const std::vector<int64_t>& pos, int64_t iteration) override {
    seen.push_back(pos);
    std::vector<int64_t> idx;
    for (int64_t p : pos) idx.push_back(p % 64);
    return ToyTask::losses(idx, iteration);
  }
  void prefetch(const std::vector<int64_t>& pos) override { hinted.push_back(pos); }
  std::vector<std::vector<int64_t>> seen, hinted;
};

TEST(Trainer, StreamPositionTasksSeeConsecutivePositionsAcrossResume) {
  auto o = toy_options(glip::test::temp_dir("engine_positions"), 3);
  o.solver.ims_per_batch = 4;
  o.solver.grad_accum_steps = 2;
  o.solver.checkpoint_period = 3;
  o.model_metadata = [](int64_t it) { return std::map<std::string, std::string>{{"at", std::to_string(it)}}; };
  {
    PositionTask task;
    Trainer t(task, o, make_single_process_comm());
    t.train();
    EXPECT_EQ(io::load_safetensors(o.work_dir + "/model_0000003.safetensors").metadata.at("at"), "3");
    EXPECT_EQ(io::load_safetensors(o.work_dir + "/model_final.safetensors").metadata.at("at"), "3");
    EXPECT_EQ(io::load_safetensors(o.work_dir + "/model_final_ema.safetensors").metadata.at("at"), "3");
    const std::vector<std::vector<int64_t>> want = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}, {10, 11}};
    EXPECT_EQ(task.seen, want);
    ASSERT_EQ(task.hinted.size(), 6u);
    EXPECT_EQ(task.hinted[0], (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(task.hinted[5], (std::vector<int64_t>{12, 13}));
  }
  o.solver.max_iter = 5;
  o.resume = true;
  PositionTask task;
  Trainer t(task, o, make_single_process_comm());
  t.train();
  ASSERT_EQ(task.seen.size(), 4u);
  EXPECT_EQ(task.seen[0], (std::vector<int64_t>{12, 13}));
  EXPECT_EQ(task.seen[3], (std::vector<int64_t>{18, 19}));
}

TEST(Trainer, TrainingModesLeaveFrozenWeightsUntouched) {
  // "linear_prob" trains only official head names; the toy model has none, so it must refuse to run.
  auto o = toy_options(glip::test::temp_dir("engine_modes"), 3);
  o.solver.tuning_highlevel_override = "linear_prob";
  EXPECT_THROW(run_toy(o, 0.0), InputError);
}

// ---- kill -9 at random moments, then resume: the final weights are bit-identical ----

// Child entry point: runs only when the parent test sets GLIP_ENGINE_CHILD.
TEST(EngineChild, Run) {
  if (test::env_or("GLIP_ENGINE_CHILD", "").empty()) GTEST_SKIP() << "child process entry point";
  auto o = toy_options(test::env_or("GLIP_CHILD_DIR", ""), std::stoll(test::env_or("GLIP_CHILD_MAX_ITER", "30")));
  o.resume = true;
  o.solver.checkpoint_period = std::stoll(test::env_or("GLIP_CHILD_PERIOD", "1"));
  const double dropout = std::stod(test::env_or("GLIP_CHILD_DROPOUT", "0.3"));
  const int64_t die_at = std::stoll(test::env_or("GLIP_CHILD_DIE_AT", "-1"));
  o.solver.grad_accum_steps = std::stoll(test::env_or("GLIP_CHILD_ACCUM", "1"));
  o.solver.base_lr = std::stod(test::env_or("GLIP_CHILD_LR", std::to_string(o.solver.base_lr)));
  o.solver.log_period = std::stoll(test::env_or("GLIP_CHILD_LOG_PERIOD", std::to_string(o.solver.log_period)));
  o.solver.nonfinite_loss = test::env_or("GLIP_CHILD_NONFINITE", o.solver.nonfinite_loss);
  const int64_t nan_at = std::stoll(test::env_or("GLIP_CHILD_NAN_AT", "-1"));
  const int64_t nan_micro = std::stoll(test::env_or("GLIP_CHILD_NAN_MICRO", "-1"));
  CommOptions co;
  co.timeout = std::chrono::seconds(20);
  auto comm = init_comm(dist_env_from_environment(), co);
  class Die : public TrainHook {
   public:
    explicit Die(int64_t at) : at_(at) {}
    void after_step(Trainer&, const StepStats& st) override {
      if (st.iteration == at_) ::kill(::getpid(), SIGKILL);
    }
    int64_t at_;
  };
  run_toy(o, dropout, comm, std::make_shared<Die>(die_at), nan_at, nan_micro);
}

TEST(Trainer, KilledAtRandomMomentsAndResumedIsBitIdentical) {
  const std::string ref = glip::test::temp_dir("engine_kill_ref"), dir = glip::test::temp_dir("engine_kill");
  auto env = [](const std::string& d) {
    return std::map<std::string, std::string>{
        {"GLIP_ENGINE_CHILD", "1"}, {"GLIP_CHILD_DIR", d}, {"GLIP_CHILD_MAX_ITER", "30"}, {"GLIP_CHILD_PERIOD", "1"}};
  };
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(test::wait_child(test::spawn_self("EngineChild.Run", env(ref), ref + "/log.txt"), 120), 0);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::mt19937 gen(static_cast<unsigned>(std::random_device{}()));
  std::uniform_real_distribution<double> when(0.0, total);
  int killed = 0;
  for (int k = 0; k < 3; ++k) {
    const pid_t pid = test::spawn_self("EngineChild.Run", env(dir), dir + "/log.txt");
    std::this_thread::sleep_for(std::chrono::duration<double>(when(gen)));
    ::kill(pid, SIGKILL);
    killed += test::wait_child(pid, 60) == 128 + SIGKILL ? 1 : 0;
  }
  ASSERT_EQ(test::wait_child(test::spawn_self("EngineChild.Run", env(dir), dir + "/log.txt"), 120), 0)
      << read_file(dir + "/log.txt");
  EXPECT_GT(killed, 0);
  EXPECT_EQ(read_file(ref + "/model_final.safetensors"), read_file(dir + "/model_final.safetensors"));
  EXPECT_EQ(read_file(ref + "/model_final_ema.safetensors"), read_file(dir + "/model_final_ema.safetensors"));
}

}  // namespace
}  // namespace glip::engine

namespace glip::engine {
namespace {

// iteration -> (lr, weight_decay) of metrics.jsonl (log_period 1).
std::map<int64_t, std::pair<double, double>> logged_schedule(const std::string& dir) {
  std::map<int64_t, std::pair<double, double>> out;
  std::ifstream in(dir + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("lr")) continue;  // an evaluation line
    out[j.at("iteration").get<int64_t>()] = {j.at("lr").get<double>(), j.at("weight_decay").get<double>()};
  }
  return out;
}

// An evaluation every 2 steps whose metric follows a script, reported to the LR schedule as the app does.
std::shared_ptr<TrainHook> scripted_eval(std::map<int64_t, double> metric) {
  return make_eval_hook(2, [metric](Trainer& t, int64_t it) {
    const double m = metric.count(it) ? metric.at(it) : 0.0;
    t.report_eval_metric(m);
    return std::map<std::string, double>{{"toy/AP", m}};
  });
}

// Official USE_AUTOSTEP driven as do_train drives it (the LRs below come from the official WarmupReduceLROnPlateau
// and torch's ReduceLROnPlateau run through do_train's loop by hand): the first step at the full LR, the warmup a
// step late and advanced once more by each evaluation inside it, then x gamma after more than step_patience
// evaluations without improvement, a metric of 0 ignored. A resumed run continues exactly.
TEST(Trainer, AutoStepFollowsTheEvaluationsAsOfficialAndResumesExactly) {
  const std::map<int64_t, double> metric = {{2, 0.3},  {4, 0.5},  {6, 0.5},  {8, 0.4},  {10, 0.6},
                                            {12, 0.6}, {14, 0.6}, {16, 0.0}, {18, 0.7}, {20, 0.1}};
  const std::string ref = glip::test::temp_dir("engine_autostep"), dir = glip::test::temp_dir("engine_autostep_r");
  auto o = toy_options(ref, 20);  // base_lr 0.01, warmup 5 from 0.1
  o.solver.use_autostep = true;
  o.solver.step_patience = 1;
  o.solver.log_period = 1;
  run_toy(o, 0.3, make_single_process_comm(), scripted_eval(metric));
  const auto got = logged_schedule(ref);
  // warmup: last_epoch 0 -> 0.1; 1 -> 0.28, and the evaluation at 2 -> 0.46; 3 -> 0.64; 4 -> 1.0. Evaluations:
  // 4 best 0.5, 6 bad, 8 bad (2 > patience 1): x0.1; 10 best 0.6, 12 bad, 14 bad: x0.1; 16 ignored; 18 best.
  const std::map<int64_t, double> want = {{1, 0.01}, {2, 0.001}, {3, 0.0046}, {4, 0.0064},  {5, 0.01},
                                          {8, 0.01}, {9, 0.001}, {14, 0.001}, {15, 0.0001}, {20, 0.0001}};
  ASSERT_EQ(got.size(), 20u);
  for (const auto& [it, lr] : want) EXPECT_DOUBLE_EQ(got.at(it).first, lr) << "iteration " << it;
  for (int64_t it = 5; it <= 8; ++it) EXPECT_DOUBLE_EQ(got.at(it).first, 0.01) << it;
  for (int64_t it = 9; it <= 14; ++it) EXPECT_DOUBLE_EQ(got.at(it).first, 0.001) << it;
  const auto rec = nlohmann::json::parse(read_file(ref + "/train_0000010.json"));
  const auto& a = rec.at("scheduler").at("autostep");
  EXPECT_EQ(a.at("reductions").get<int64_t>(), 1);
  EXPECT_EQ(a.at("best").get<double>(), 0.6);
  EXPECT_EQ(a.at("num_bad_epochs").get<int64_t>(), 0);
  EXPECT_DOUBLE_EQ(rec.at("scheduler").at("lr_factor").get<double>(), 0.1);
  // Killed after step 13, resumed from checkpoint 10: the same weights as the uninterrupted run.
  o.work_dir = dir;
  auto crash = std::make_shared<ThrowAt>(13);
  struct Both : TrainHook {
    std::shared_ptr<TrainHook> a, b;
    void after_step(Trainer& t, const StepStats& st) override { a->after_step(t, st), b->after_step(t, st); }
    void after_train(Trainer& t) override { a->after_train(t); }
  };
  auto both = std::make_shared<Both>();
  both->a = scripted_eval(metric), both->b = crash;
  EXPECT_THROW(run_toy(o, 0.3, make_single_process_comm(), both), std::runtime_error);
  o.resume = true;
  EXPECT_EQ(run_toy(o, 0.3, make_single_process_comm(), scripted_eval(metric)).start_iteration, 10);
  EXPECT_EQ(read_file(ref + "/model_final.safetensors"), read_file(dir + "/model_final.safetensors"));
  EXPECT_EQ(logged_schedule(dir), got);
  // Without autostep the evaluations leave the LR alone.
  auto plain = toy_options(glip::test::temp_dir("engine_autostep_off"), 20);
  plain.solver.log_period = 1;
  run_toy(plain, 0.3, make_single_process_comm(), scripted_eval(metric));
  EXPECT_DOUBLE_EQ(logged_schedule(plain.work_dir).at(9).first, 0.01);
}

// Official WEIGHT_DECAY_SCHEDULE in the loop: max_iter 20, steps 0.5/0.8 (milestones 10, 16), ratio 0.667: the
// decay 1e-4 drops after the step that reaches last_epoch 6.67 -> 7 and 10.672 -> 11 (hand-computed from
// do_train, and the same numbers as the official loop run by hand); training and resume follow it.
TEST(Trainer, WeightDecayScheduleDropsTheDecayAsOfficial) {
  const std::string ref = glip::test::temp_dir("engine_wd"), dir = glip::test::temp_dir("engine_wd_r");
  auto o = toy_options(ref, 20);
  o.solver.weight_decay_schedule = true;
  o.solver.log_period = 1;
  run_toy(o, 0.0);
  const auto got = logged_schedule(ref);
  ASSERT_EQ(got.size(), 20u);
  for (int64_t it = 1; it <= 20; ++it) {
    const double want = it <= 7 ? 1e-4 : it <= 11 ? 1e-4 * 0.1 : 1e-4 * 0.1 * 0.1;
    EXPECT_EQ(got.at(it).second, want) << "iteration " << it;
  }
  EXPECT_DOUBLE_EQ(got.at(11).first, 0.001);  // the LR keeps its own milestones (10 and 16)
  EXPECT_DOUBLE_EQ(got.at(17).first, 0.0001);
  o.work_dir = dir;
  EXPECT_THROW(run_toy(o, 0.0, make_single_process_comm(), std::make_shared<ThrowAt>(9)), std::runtime_error);
  o.resume = true;
  run_toy(o, 0.0);
  EXPECT_EQ(read_file(ref + "/model_final.safetensors"), read_file(dir + "/model_final.safetensors"));
  // It changes the training: without it the weights differ.
  auto off = toy_options(glip::test::temp_dir("engine_wd_off"), 20);
  run_toy(off, 0.0);
  EXPECT_GT(max_abs_diff(final_weights(ref), final_weights(off.work_dir)), 0.0);
}

// Official MAX_EPOCH: MAX_ITER = MAX_EPOCH x len(dataset) // IMS_PER_BATCH, fractional steps follow it.
TEST(Trainer, MaxEpochSetsMaxIterAsOfficial) {
  auto o = toy_options(glip::test::temp_dir("engine_epochs"), 1000);
  o.solver.max_epoch = 2;  // 2 x 64 samples // 8 per step
  o.solver.log_period = 1;
  EXPECT_EQ(run_toy(o, 0.0).final_iteration, 16);
  const auto got = logged_schedule(o.work_dir);
  EXPECT_DOUBLE_EQ(got.at(8).first, 0.01);  // milestone round(0.5 x 16) = 8: 0-based iteration 8 decays
  EXPECT_DOUBLE_EQ(got.at(9).first, 0.001);
  const auto rec = nlohmann::json::parse(read_file(o.work_dir + "/train_0000016.json"));
  EXPECT_EQ(rec.at("max_iter").get<int64_t>(), 16);
}

}  // namespace
}  // namespace glip::engine
