/**
 * The training loop: data-parallel micro-batches, AdamW with the official groups and schedule, clipping, EMA,
 * AMP, non-finite loss policy, checkpoints with exact resume, and hooks (progress line, metrics JSON lines,
 * evaluation, curves). The model and its data come through TrainTask, so the loop runs the same for GLIP and
 * for the toy models of the tests.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "glip/engine/distributed.h"
#include "glip/engine/solver.h"

namespace glip::engine {

using LossTerms = std::map<std::string, at::Tensor>;

/** What the trainer trains: a module, a dataset size, and the loss of a list of dataset samples. */
class TrainTask {
 public:
  virtual ~TrainTask() = default;
  virtual torch::nn::Module& model() = 0;
  virtual int64_t dataset_size() const = 0;
  /** Loss terms (scalars; their sum is minimised; means over the samples) of these samples. */
  virtual LossTerms losses(const std::vector<int64_t>& sample_indices, int64_t iteration) = 0;
  /**
   * Called on every rank once per optimiser step, before its first micro-batch, with this rank's micro-batches of
   * the step (as losses() will get them, in order) and the process group. A task whose loss is divided by counts
   * over the batch (GLIP's positives) computes them here over every rank and micro-batch, so that R ranks x M
   * micro-batches train as one batch of the whole step.
   */
  virtual void begin_step(const std::vector<std::vector<int64_t>>& /*micro_batches*/, Comm& /*comm*/) {}
  /** A hint of the samples the next call will ask for (a loader may start reading them). */
  virtual void prefetch(const std::vector<int64_t>& /*sample_indices*/) {}
  /**
   * True: losses(), prefetch() and describe_samples() get global stream positions instead of dataset indices
   * (micro-batch m of rank r at iteration it: positions it*B + m*(B/accum) + r*b + [0, b), B = ims_per_batch,
   * b the per-rank micro-batch), and the task maps them to samples itself (e.g. a weighted mix of datasets,
   * data::SampleSchedule). Resume stays exact: the positions depend on the iteration only.
   */
  virtual bool wants_stream_positions() const { return false; }
  /** Names the samples in error messages (default: their dataset indices). */
  virtual std::string describe_samples(const std::vector<int64_t>& sample_indices) const;
};

struct TrainerOptions {
  SolverOptions solver;
  std::string work_dir;
  bool resume = false;  // continue from WORK_DIR/last_checkpoint when there is one
  at::Device device = at::kCPU;
  int64_t freeze_conv_body_at = -1;
  bool shuffle = true;
  std::string config_json = "{}";  // stored in every checkpoint record
  /** Extra safetensors metadata of the model files (model_NNNNNNN, model_final[_ema]) at an iteration; e.g. the
   *  glip.record that makes them loadable with modeling::load_checkpoint. Must be deterministic. */
  std::function<std::map<std::string, std::string>(int64_t iteration)> model_metadata;
};

/** One optimiser step, as hooks see it (loss terms averaged over ranks). */
struct StepStats {
  int64_t iteration = 0;  // 1-based: steps done
  int64_t max_iter = 0;
  std::map<std::string, double> losses;
  double loss = 0.0;
  double lr = 0.0;            // LR of the solver.base_lr group in this step
  double weight_decay = 0.0;  // weight decay of the solver.weight_decay group in this step
  double grad_norm = 0.0;
  double seconds = 0.0;  // wall time of this step
  double images_per_second = 0.0;
  bool skipped = false;  // non-finite loss skipped, or AMP overflow
};

class Trainer;

class TrainHook {
 public:
  virtual ~TrainHook() = default;
  virtual void before_train(Trainer& /*trainer*/) {}
  virtual void after_step(Trainer& /*trainer*/, const StepStats& /*stats*/) {}
  virtual void after_train(Trainer& /*trainer*/) {}
};

/** Result of train(). */
struct TrainResult {
  int64_t start_iteration = 0;
  int64_t final_iteration = 0;
  int64_t skipped_steps = 0;
  double images_per_second = 0.0;  // mean over the steps of this run
};

class Trainer {
 public:
  Trainer(TrainTask& task, TrainerOptions opts, std::shared_ptr<Comm> comm);
  ~Trainer();

  void add_hook(std::shared_ptr<TrainHook> hook);
  TrainResult train();

  int rank() const;
  int world_size() const;
  const TrainerOptions& options() const;
  TrainTask& task();
  /** Optimiser steps done so far (the start iteration inside before_train). */
  int64_t iteration() const;
  /**
   * The evaluation metric of the LR schedule (solver.use_autostep; a no-op otherwise): every rank calls it after
   * the same evaluation, rank 0's value counts (broadcast), and the LR of the following steps follows it.
   */
  void report_eval_metric(double value);
  /** Model weights (parameters and buffers) by state-dict name, or the EMA weights when there is an EMA. */
  std::map<std::string, at::Tensor> model_state(bool ema = false) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace glip::engine
