#include "glip/app/train_task.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "glip/app/finetune_report.h"
#include "glip/core/environment.h"
#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/engine/hooks.h"
#include "glip/engine/tuning.h"
#include "glip/modeling/checkpoint.h"
#include "glip/modeling/model_config.h"

namespace glip::app {

std::vector<data::RecordSet> load_train_datasets(const data::DataConfig& data, const std::string& data_root) {
  GLIP_CHECK_INPUT(!data.train.empty(), "config: 'data.train' lists no dataset to train on");
  std::vector<data::RecordSet> sets;
  for (size_t i = 0; i < data.train.size(); ++i) {
    const auto& ds = data.train[i];
    data::RecordSet set = data::load_dataset(ds, data, data_root);
    GLIP_CHECK_INPUT(!set.records.empty() || ds.weight == 0, "dataset '", ds.name, "' (data.train.", i, ", file '",
                     data::resolve_data_path(data_root, ds.path), "') has no usable record");
    GLIP_LOG_INFO("[train] dataset {}: {} records ({}), weight {}", set.name, set.records.size(), ds.format, ds.weight);
    sets.push_back(std::move(set));
  }
  return sets;
}

namespace {

std::vector<double> weights_of(const data::DataConfig& data) {
  std::vector<double> w;
  for (const auto& ds : data.train) w.push_back(ds.weight);
  return w;
}

GroundingTarget target_to(const GroundingTarget& t, at::Device device) {
  return {t.boxes.to(device), t.positive_map.to(device), t.labels.to(device),
          t.ignored_tokens.defined() ? t.ignored_tokens.to(device) : at::Tensor()};
}

}  // namespace

std::shared_ptr<data::GroundingBatchBuilder> make_batch_builder(const GlipConfig& cfg,
                                                                std::vector<data::RecordSet> datasets,
                                                                std::shared_ptr<const text::Tokenizer> tokenizer) {
  auto opts = data::batch_options(cfg.data, static_cast<uint64_t>(cfg.solver.seed), cfg.model.max_query_len);
  return std::make_shared<data::GroundingBatchBuilder>(std::move(datasets), weights_of(cfg.data), std::move(tokenizer),
                                                       opts);
}

GlipTrainTask::GlipTrainTask(const GlipConfig& cfg, modeling::GlipModel model,
                             std::shared_ptr<const text::Tokenizer> tokenizer, std::vector<data::RecordSet> datasets,
                             TrainPlacement placement)
    : model_(std::move(model)),
      place_(placement),
      global_batch_(cfg.solver.ims_per_batch),
      accum_(cfg.solver.grad_accum_steps),
      num_workers_(static_cast<int>(cfg.data.num_workers)),
      prefetch_(static_cast<int>(cfg.data.prefetch)) {
  const int64_t split = accum_ * place_.world_size;
  GLIP_CHECK_INPUT(global_batch_ > 0 && global_batch_ % split == 0, "solver.ims_per_batch=", global_batch_,
                   " must be a multiple of solver.grad_accum_steps (", accum_, ") x the number of ranks (",
                   place_.world_size, ")");
  per_rank_ = global_batch_ / split;
  builder_ = make_batch_builder(cfg, std::move(datasets), std::move(tokenizer));
  GLIP_CHECK_INPUT(builder_->schedule().epoch_length() > 0,
                   "the training datasets give an empty epoch (every data.train weight is 0 or every set is empty)");
}

GlipTrainTask::~GlipTrainTask() = default;

torch::nn::Module& GlipTrainTask::model() { return *model_; }

int64_t GlipTrainTask::dataset_size() const { return static_cast<int64_t>(builder_->schedule().epoch_length()); }

// Micro-step k = iteration * accum + m; its positions on this rank are it*B + m*(B/accum) + rank*b + [0, b).
int64_t GlipTrainTask::micro_step_of(const std::vector<int64_t>& positions) const {
  GLIP_CHECK(!positions.empty(), "[train] empty micro-batch");
  const int64_t p0 = positions[0];
  return (p0 / global_batch_) * accum_ + (p0 % global_batch_) / (global_batch_ / accum_);
}

std::vector<uint64_t> GlipTrainTask::positions_of(int64_t k) const {
  const int64_t start =
      (k / accum_) * global_batch_ + (k % accum_) * (global_batch_ / accum_) + place_.rank * per_rank_;
  std::vector<uint64_t> out;
  for (int64_t j = 0; j < per_rank_; ++j) out.push_back(static_cast<uint64_t>(start + j));
  return out;
}

void GlipTrainTask::restart_loader(int64_t k) {
  loader_.reset();
  auto builder = builder_;
  loader_ = std::make_unique<data::PrefetchLoader<data::TrainBatch>>(
      [this, builder](int64_t step) { return builder->build_at(positions_of(step)); }, k, num_workers_, prefetch_);
  loader_next_ = k;
}

void GlipTrainTask::prefetch(const std::vector<int64_t>& positions) {
  // The first hint names the micro-step after the one about to be asked for: start the loader there.
  if (!loader_) restart_loader(std::max<int64_t>(micro_step_of(positions) - 1, 0));
}

data::TrainBatch GlipTrainTask::next_batch(const std::vector<int64_t>& positions) {
  const int64_t k = micro_step_of(positions);
  if (!loader_ || loader_next_ != k) restart_loader(k);
  data::TrainBatch batch = loader_->next();
  ++loader_next_;
  GLIP_CHECK(batch.positions.size() == positions.size() &&
                 std::equal(positions.begin(), positions.end(), batch.positions.begin(),
                            [](int64_t a, uint64_t b) { return static_cast<uint64_t>(a) == b; }),
             "[train] the loader's batch does not match the engine's stream positions");
  return batch;
}

std::vector<GroundingTarget> GlipTrainTask::targets_of(const data::TrainBatch& batch) const {
  std::vector<GroundingTarget> targets;
  for (const auto& t : batch.targets) targets.push_back(target_to(t, place_.device));
  return targets;
}

void GlipTrainTask::begin_step(const std::vector<std::vector<int64_t>>& micro_batches, engine::Comm& comm) {
  pending_.clear();
  pending_next_ = 0;
  double num_pos = 0.0, ctr_sum = 0.0;
  for (const auto& positions : micro_batches) {
    Pending p{next_batch(positions), {}};
    p.stats = model_->loss_stats(p.batch.images.images, p.batch.text.input_ids.size(1), targets_of(p.batch));
    num_pos += static_cast<double>(p.stats.num_pos);
    ctr_sum += p.stats.centerness_sum;
    pending_.push_back(std::move(p));
  }
  at::Tensor sums = at::tensor({num_pos, ctr_sum}, at::kDouble).to(place_.device);
  if (comm.world_size() > 1) comm.allreduce_sum(sums);  // every rank, positives or not
  sums = sums.cpu();
  const double parts = static_cast<double>(comm.world_size()) * static_cast<double>(micro_batches.size());
  step_normalizers_ = {std::max(sums[0].item<double>() / parts, 1.0), sums[1].item<double>() / parts};
}

engine::LossTerms GlipTrainTask::losses(const std::vector<int64_t>& positions, int64_t /*iteration*/) {
  const bool from_step = pending_next_ < pending_.size() &&
                         std::equal(positions.begin(), positions.end(), pending_[pending_next_].batch.positions.begin(),
                                    pending_[pending_next_].batch.positions.end(),
                                    [](int64_t a, uint64_t b) { return static_cast<uint64_t>(a) == b; });
  data::TrainBatch batch = from_step ? std::move(pending_[pending_next_].batch) : next_batch(positions);
  if (from_step) {
    // The step's divisors; the loss must see the stats begin_step predicted (the same anchors and targets).
    const modeling::AtssLocalStats want = pending_[pending_next_++].stats;
    const modeling::AtssNormalizers norm = step_normalizers_;
    model_->set_loss_normalizers([want, norm](const modeling::AtssLocalStats& got) {
      GLIP_CHECK(got.num_pos == want.num_pos &&
                     std::abs(got.centerness_sum - want.centerness_sum) <= 1e-4 * std::max(1.0, want.centerness_sum),
                 "[train] the loss saw ", got.num_pos, " positives (centerness sum ", got.centerness_sum,
                 ") where the step's normalisers counted ", want.num_pos, " (", want.centerness_sum,
                 "): the feature-map sizes differ from ceil(image size / anchor stride)");
      return norm;
    });
  } else {
    model_->set_loss_normalizers(nullptr);  // outside a trainer step: this batch's own divisors
  }
  const at::Device dev = place_.device;
  ImageBatch images{batch.images.images.to(dev), batch.images.image_sizes};
  TextBatch text{batch.text.input_ids.to(dev), batch.text.attention_mask.to(dev), batch.text.token_type_ids.to(dev)};
  modeling::GlipOutput out = model_->forward(images, text, targets_of(batch));
  model_->set_loss_normalizers(nullptr);
  GLIP_CHECK(!out.losses.empty(), "[train] the model returned no losses (is it in training mode?)");
  return out.losses;
}

std::string GlipTrainTask::describe_samples(const std::vector<int64_t>& positions) const {
  std::string s = "samples [";
  for (size_t i = 0; i < positions.size(); ++i) {
    const auto [d, r] = builder_->schedule().at(static_cast<uint64_t>(positions[i]));
    const auto& rec = builder_->datasets()[d].records[r];
    s += (i ? ", " : "") + (rec.origin.empty() ? rec.image.path : rec.origin);
  }
  return s + "]";
}

engine::TrainerOptions trainer_options(const GlipConfig& cfg, const TrainRequest& request, at::Device device) {
  engine::TrainerOptions o;
  o.solver = cfg.solver;
  o.freeze_conv_body_at = cfg.model.freeze_conv_body_at;
  o.work_dir = cfg.runtime.work_dir;
  o.resume = request.resume;
  o.device = device;
  o.shuffle = true;
  o.config_json = nlohmann::json{{"config_yaml", request.config_yaml}}.dump();
  const std::string yaml = request.config_yaml;
  o.model_metadata = [yaml](int64_t iteration) {
    modeling::CheckpointRecord rec;
    rec.config_yaml = yaml;
    const BuildInfo& b = build_info();
    rec.build_info = {
        {"version", b.version}, {"git_sha", b.git_sha}, {"compiler", b.compiler}, {"torch", torch_version()}};
    rec.training_state = {{"iteration", std::to_string(iteration)}};
    return modeling::checkpoint_metadata(rec);
  };
  return o;
}

namespace {

// Where a stage's evaluation files go; ranks other than 0 evaluate too (a collective waits at most
// 30 s for a rank, so none may sit idle through an evaluation) but keep their files apart.
std::string stage_dir(const GlipConfig& cfg, const std::string& stage, int rank) {
  const std::string base = cfg.runtime.work_dir + "/finetune_eval/";
  return rank == 0 ? base + stage : base + "rank" + std::to_string(rank) + "/" + stage;
}

}  // namespace

engine::TrainResult run_training(const GlipConfig& cfg, const TrainRequest& request,
                                 std::vector<data::RecordSet> datasets, at::Device device,
                                 std::shared_ptr<engine::Comm> comm) {
  const bool report = cfg.finetune.eval_before_after;
  const int rank = comm->rank();       // the trainer takes `comm`
  if (report) finetune_datasets(cfg);  // a bad dataset name fails before the model is built
  modeling::GlipModel model = modeling::build_model(cfg.model);
  StageMetrics before;
  if (report) {
    // The starting weights (before the trainer restores a checkpoint on --resume); a resumed run reuses them.
    const std::string dir = stage_dir(cfg, "before", rank);
    if (request.resume) before = read_stage(cfg, dir);
    if (before.empty()) {
      GLIP_LOG_INFO("[finetune] zero-shot evaluation of the starting weights ({})",
                    cfg.model.weight.empty() ? "random init" : cfg.model.weight);
      before = evaluate_stage(cfg, model, request.data_root, dir, device, rank == 0);
    }
    model->train();
  }
  auto tokenizer = text::make_tokenizer();
  TrainPlacement place{comm->rank(), comm->world_size(), device};
  GlipTrainTask task(cfg, model, tokenizer, std::move(datasets), place);
  GLIP_LOG_INFO("[train] {} on {}: {} positions per epoch, {} images per step ({} per rank and micro-step)",
                cfg.model.name, device.str(), task.dataset_size(), cfg.solver.ims_per_batch,
                cfg.solver.ims_per_batch / (cfg.solver.grad_accum_steps * comm->world_size()));
  engine::Trainer trainer(task, trainer_options(cfg, request, device), std::move(comm));
  trainer.add_hook(engine::make_progress_hook());
  trainer.add_hook(engine::make_metrics_hook());
  if (cfg.solver.use_autostep && cfg.solver.eval_period == 0) {
    GLIP_LOG_WARN(
        "[train] solver.use_autostep is on but solver.eval_period is 0: with no evaluation the LR never "
        "drops after the warmup (the official autostep steps at every evaluation)");
  }
  if (cfg.solver.eval_period > 0) {
    // solver.eval_period: the eval.datasets (or finetune.datasets) every eval_period steps and at the end, each
    // dataset's headline metric into metrics.jsonl and metric_curves.png; results under WORK_DIR/eval/iter_N/
    // (other ranks, which evaluate alike so that none waits in a collective: WORK_DIR/eval/rankR/iter_N/).
    finetune_datasets(cfg);  // checked now: a missing eval.datasets fails before training starts
    auto glip = task.glip_model();
    const std::string root = request.data_root;
    auto evaluate = [=, &cfg](engine::Trainer& t, int64_t it) mutable {
      const std::string rank_dir = t.rank() > 0 ? str_cat("rank", t.rank(), "/") : std::string();
      const std::string dir = str_cat(cfg.runtime.work_dir, "/eval/", rank_dir, "iter_", it);
      const StageMetrics stage = evaluate_stage(cfg, glip, root, dir, device, t.rank() == 0);
      glip->train();  // the predictor switched it to eval mode
      engine::set_frozen_modules_eval(*glip, t.options().solver.tuning_highlevel_override,
                                      t.options().freeze_conv_body_at);
      std::map<std::string, double> out;
      for (const auto& d : stage)
        for (const auto& [k, v] : d.values)
          if (k == d.primary) out[d.dataset + "/" + k] = v;
      // solver.use_autostep: the headline metric of the first dataset (the official monitors its one val set's AP).
      if (t.options().solver.use_autostep) {
        double monitored = std::nan("");
        if (!stage.empty()) {
          const auto& d = stage.front();
          for (const auto& [k, v] : d.values)
            if (k == d.primary) monitored = v;
        }
        t.report_eval_metric(monitored);
      }
      return out;
    };
    trainer.add_hook(engine::make_eval_hook(cfg.solver.eval_period, evaluate));
  }
  trainer.add_hook(engine::make_curves_hook());
  engine::TrainResult r = trainer.train();
  const auto& bad = task.builder().bad_samples();
  if (bad.bad_count() > 0) GLIP_LOG_WARN("[train] {} of {} samples were bad and replaced", bad.bad_count(), bad.seen());
  if (bad.dropped_boxes() > 0)
    GLIP_LOG_WARN("[train] {} boxes were dropped (empty after clipping to their image, or non-finite)",
                  bad.dropped_boxes());
  if (report) {
    GLIP_LOG_INFO("[finetune] evaluation of the fine-tuned weights");
    const StageMetrics after =
        evaluate_stage(cfg, task.glip_model(), request.data_root, stage_dir(cfg, "after", rank), device, rank == 0);
    if (rank == 0) {
      ReportInfo info;
      info.mode = cfg.solver.tuning_highlevel_override;
      info.start_weights = cfg.model.weight;
      info.final_weights = cfg.runtime.work_dir + "/model_final.safetensors";
      info.iterations = r.final_iteration;
      write_finetune_report(cfg.runtime.work_dir, compare_stages(before, after), info);
    }
  }
  return r;
}

}  // namespace glip::app
