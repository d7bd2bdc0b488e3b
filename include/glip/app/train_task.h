/**
 * GLIP training: the engine::TrainTask over a GlipModel and the configured datasets (data.train, mixed by
 * their weights through data::SampleSchedule), batches from data::GroundingBatchBuilder built ahead by a
 * data::PrefetchLoader. The task takes the engine's global stream positions (wants_stream_positions), so a
 * batch is a pure function of the iteration: resume is exact and the data order does not depend on the
 * number of loader threads. run_training() is what glip_train does after parsing its arguments.
 */
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "glip/app/glip_config.h"
#include "glip/data/grounding_batch.h"
#include "glip/data/prefetch.h"
#include "glip/engine/trainer.h"
#include "glip/modeling/glip_model.h"
#include "glip/text/tokenizer.h"

namespace glip::app {

/** Where one rank sits in the run. */
struct TrainPlacement {
  int rank = 0;
  int world_size = 1;
  at::Device device = at::kCPU;
};

/** Reads every dataset of data.train (paths relative to `data_root`); errors name the dataset and the file. */
std::vector<data::RecordSet> load_train_datasets(const data::DataConfig& data, const std::string& data_root);

/** The batch builder of a run: data.train's weights, the batch options of data.*, solver.seed, model.max_query_len. */
std::shared_ptr<data::GroundingBatchBuilder> make_batch_builder(const GlipConfig& cfg,
                                                                std::vector<data::RecordSet> datasets,
                                                                std::shared_ptr<const text::Tokenizer> tokenizer);

class GlipTrainTask : public engine::TrainTask {
 public:
  GlipTrainTask(const GlipConfig& cfg, modeling::GlipModel model, std::shared_ptr<const text::Tokenizer> tokenizer,
                std::vector<data::RecordSet> datasets, TrainPlacement placement);
  ~GlipTrainTask() override;

  torch::nn::Module& model() override;
  int64_t dataset_size() const override;
  bool wants_stream_positions() const override { return true; }
  /**
   * Reads the step's micro-batches and makes the ATSS loss divisors those of the whole step: the positive count
   * and centerness-target sum over every rank and micro-batch / (ranks x micro-batches), one all-reduce (official
   * loss.py divides by reduce_sum / num_gpus; accumulation is glip's, defined so that the step equals one batch).
   */
  void begin_step(const std::vector<std::vector<int64_t>>& micro_batches, engine::Comm& comm) override;
  engine::LossTerms losses(const std::vector<int64_t>& positions, int64_t iteration) override;
  void prefetch(const std::vector<int64_t>& positions) override;
  std::string describe_samples(const std::vector<int64_t>& positions) const override;

  const data::GroundingBatchBuilder& builder() const { return *builder_; }
  modeling::GlipModel glip_model() const { return model_; }

 private:
  int64_t micro_step_of(const std::vector<int64_t>& positions) const;
  std::vector<uint64_t> positions_of(int64_t micro_step) const;
  void restart_loader(int64_t micro_step);
  data::TrainBatch next_batch(const std::vector<int64_t>& positions);
  std::vector<GroundingTarget> targets_of(const data::TrainBatch& batch) const;

  struct Pending {
    data::TrainBatch batch;
    modeling::AtssLocalStats stats;  // what the loss must see for it (checked)
  };

  modeling::GlipModel model_;
  std::shared_ptr<data::GroundingBatchBuilder> builder_;
  TrainPlacement place_;
  int64_t global_batch_, accum_, per_rank_;
  int num_workers_, prefetch_;
  std::unique_ptr<data::PrefetchLoader<data::TrainBatch>> loader_;
  int64_t loader_next_ = -1;      // micro-step the loader returns next
  std::vector<Pending> pending_;  // the current step's micro-batches read by begin_step, in order
  size_t pending_next_ = 0;
  modeling::AtssNormalizers step_normalizers_;
};

/** What glip_train was asked to do (beyond the config). */
struct TrainRequest {
  std::string data_root;  ///< dataset paths of the config are relative to it
  bool resume = false;
  std::string config_yaml;  ///< the resolved config, stored in every checkpoint record
};

/** The engine options of `cfg` (solver.*, the work folder, the device, model-file records for load_checkpoint). */
engine::TrainerOptions trainer_options(const GlipConfig& cfg, const TrainRequest& request, at::Device device);

/**
 * Builds the model (with model.weight when set) and trains it on `datasets` (load_train_datasets) in the process
 * group `comm`, with the progress, metrics and curves hooks. Returns the engine's result.
 */
engine::TrainResult run_training(const GlipConfig& cfg, const TrainRequest& request,
                                 std::vector<data::RecordSet> datasets, at::Device device,
                                 std::shared_ptr<engine::Comm> comm);

}  // namespace glip::app
