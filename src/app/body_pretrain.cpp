#include "glip/app/body_pretrain.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "glip/app/train_task.h"
#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/core/strings.h"
#include "glip/data/schedule.h"
#include "glip/data/transforms.h"
#include "glip/engine/hooks.h"
#include "glip/modeling/backbone/backbone.h"
#include "glip/modeling/model_config.h"

namespace glip::app {

// ---------------------------------------------------------------------------------------------------------------
BodyClassifierImpl::BodyClassifierImpl(const modeling::ModelConfig& model, int64_t num_classes) {
  GLIP_CHECK_INPUT(num_classes >= 2, "body pre-training needs at least 2 categories, got ", num_classes);
  modeling::BackboneOptions o = modeling::build_model_options(model).backbone;
  // Pre-training trains the whole body: model.freeze_conv_body_at applies to the detector that loads it.
  o.swin.frozen_stages = -1;
  o.resnet.freeze_at = -1;
  int64_t features = 0;
  if (o.is_resnet()) {
    body = register_module("body", modeling::ResNet(o.resnet).ptr());
    for (size_t s = 1; s < 4; ++s) features += o.resnet.stage_out_channels(s);
  } else {
    auto swin = modeling::SwinTransformer(o.swin);
    const auto& stages = swin->out_stages();
    fpn_maps_ = std::min<size_t>(3, stages.size());
    for (size_t i = stages.size() - fpn_maps_; i < stages.size(); ++i) features += stages[i].channels;
    body = register_module("body", swin.ptr());
  }
  classifier = register_module("classifier", modeling::Linear(features, num_classes));
}

std::vector<at::Tensor> BodyClassifierImpl::maps(const at::Tensor& crops) {
  if (auto* r = dynamic_cast<modeling::ResNetImpl*>(body.get())) return r->forward(crops);
  return static_cast<modeling::SwinTransformerImpl*>(body.get())->forward(crops);
}

at::Tensor BodyClassifierImpl::forward(const at::Tensor& crops) {
  const auto all = maps(crops);
  std::vector<at::Tensor> pooled;
  for (size_t i = all.size() - std::min(fpn_maps_, all.size()); i < all.size(); ++i)
    pooled.push_back(all[i].mean({2, 3}));
  return classifier(at::cat(pooled, 1));
}

// ---------------------------------------------------------------------------------------------------------------
std::vector<PretrainSample> pretrain_samples(const data::RecordSet& set) {
  GLIP_CHECK_INPUT(set.is_detection && !set.categories.empty(), "pretrain: dataset '", set.name,
                   "' is not a detection dataset with categories (format coco, lvis, odvg); body pre-training "
                   "classifies the boxes of one");
  std::map<int64_t, int64_t> label;
  for (const auto& c : set.categories) label.emplace(c.id, static_cast<int64_t>(label.size()));
  std::vector<PretrainSample> out;
  for (size_t r = 0; r < set.records.size(); ++r)
    for (size_t b = 0; b < set.records[r].boxes.size(); ++b) {
      const auto& box = set.records[r].boxes[b];
      const auto it = label.find(box.category_id);
      GLIP_CHECK_INPUT(it != label.end(), "pretrain: ", set.records[r].origin, ": box ", b, " has category_id ",
                       box.category_id, ", which is not among the dataset's categories");
      // Non-empty as training keeps boxes (BoxList.clip_to_image's x2 > x1, y2 > y1; glip/data/boxes.h).
      if (box.xyxy[2] > box.xyxy[0] && box.xyxy[3] > box.xyxy[1]) out.push_back({r, b, it->second});
    }
  GLIP_CHECK_INPUT(!out.empty(), "pretrain: dataset '", set.name,
                   "' has no non-empty box to classify (x2 > x1 "
                   "and y2 > y1 as read: a COCO box more than 1 pixel wide and tall)");
  return out;
}

size_t pretrain_dataset_index(const GlipConfig& cfg) {
  const auto& train = cfg.data.train;
  for (size_t i = 0; i < train.size(); ++i) {
    const bool detection = train[i].format == "coco" || train[i].format == "lvis" || train[i].format == "odvg";
    if (cfg.pretrain.dataset.empty() ? detection : train[i].name == cfg.pretrain.dataset) return i;
  }
  std::string names;
  for (const auto& d : train) names += (names.empty() ? "" : ", ") + d.name + " (" + d.format + ")";
  throw InputError(str_cat("pretrain.dataset: ",
                           cfg.pretrain.dataset.empty()
                               ? std::string("data.train has no detection dataset (coco, lvis, odvg)")
                               : "'" + cfg.pretrain.dataset + "' is not a dataset of data.train",
                           "; data.train lists: ", names.empty() ? "nothing" : names));
}

// ---------------------------------------------------------------------------------------------------------------
BodyPretrainTask::BodyPretrainTask(const GlipConfig& cfg, data::RecordSet dataset)
    : opts_(cfg.pretrain),
      set_(std::move(dataset)),
      samples_(pretrain_samples(set_)),
      model_(cfg.model, static_cast<int64_t>(set_.categories.size())),
      seed_(static_cast<uint64_t>(cfg.solver.seed)),
      cache_(set_.records.size()) {
  const data::TransformOptions t;
  mean_ = at::tensor({t.pixel_mean[0], t.pixel_mean[1], t.pixel_mean[2]}, at::kFloat).view({3, 1, 1});
  std_ = at::tensor({t.pixel_std[0], t.pixel_std[1], t.pixel_std[2]}, at::kFloat).view({3, 1, 1});
}

at::Tensor BodyPretrainTask::image_of(size_t record) {
  if (cache_[record].defined()) return cache_[record];
  at::Tensor bgr = data::decode_image(set_.records[record].image);  // [H, W, 3] uint8
  const int64_t bytes = bgr.numel();
  if (cached_bytes_ + bytes <= opts_.image_cache_mb * (int64_t{1} << 20)) {
    cache_[record] = bgr;
    cached_bytes_ += bytes;
  }
  return bgr;
}

at::Tensor BodyPretrainTask::crop(int64_t index, int64_t iteration) {
  const PretrainSample& s = samples_.at(static_cast<size_t>(index));
  std::mt19937_64 rng(data::splitmix64(
      seed_ ^ data::splitmix64(static_cast<uint64_t>(iteration) * 1000003u + static_cast<uint64_t>(index))));
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const at::Tensor bgr = image_of(s.record);
  const int64_t H = bgr.size(0), W = bgr.size(1);
  const auto& b = set_.records[s.record].boxes[s.box].xyxy;
  // The box's pixels [x1, x2 + 1) x [y1, y2 + 1) (x2, y2 the last pixel covered; glip/data/boxes.h).
  const double x2 = b[2] + 1.0, y2 = b[3] + 1.0;
  const double bw = x2 - b[0], bh = y2 - b[1];
  // A square around the box: its longer side plus context, centre and side jittered.
  double side = std::max(bw, bh) * (1.0 + 2.0 * opts_.context) * (1.0 + opts_.jitter * u(rng));
  side = std::max(side, 2.0);
  const double cx = (b[0] + x2) / 2 + opts_.jitter * side * u(rng);
  const double cy = (b[1] + y2) / 2 + opts_.jitter * side * u(rng);
  const bool flip = std::uniform_real_distribution<double>(0.0, 1.0)(rng) < opts_.flip_prob;
  const auto x0 = static_cast<int64_t>(std::floor(cx - side / 2));
  const auto y0 = static_cast<int64_t>(std::floor(cy - side / 2));
  const int64_t n = std::max<int64_t>(2, static_cast<int64_t>(std::lround(side)));
  // Only the crop's pixels are converted and normalised; outside the image it is the mean colour (0 after that).
  at::Tensor region = mean_.expand({3, n, n}).clone();
  const int64_t sx0 = std::clamp<int64_t>(x0, 0, W), sx1 = std::clamp<int64_t>(x0 + n, 0, W);
  const int64_t sy0 = std::clamp<int64_t>(y0, 0, H), sy1 = std::clamp<int64_t>(y0 + n, 0, H);
  if (sx1 > sx0 && sy1 > sy0)
    region.slice(1, sy0 - y0, sy1 - y0)
        .slice(2, sx0 - x0, sx1 - x0)
        .copy_(bgr.slice(0, sy0, sy1).slice(1, sx0, sx1).permute({2, 0, 1}));
  region = (region - mean_) / std_;
  at::Tensor out = at::upsample_bilinear2d(region.unsqueeze(0), {opts_.crop_size, opts_.crop_size}, false)[0];
  return flip ? out.flip({2}) : out;
}

engine::LossTerms BodyPretrainTask::losses(const std::vector<int64_t>& sample_indices, int64_t iteration) {
  std::vector<at::Tensor> crops;
  std::vector<int64_t> labels;
  for (const int64_t i : sample_indices) {
    crops.push_back(crop(i, iteration));
    labels.push_back(samples_.at(static_cast<size_t>(i)).label);
  }
  const at::Device device = model_->classifier->weight.device();
  const at::Tensor x = at::stack(crops).to(device);
  const at::Tensor y = at::tensor(labels, at::kLong).to(device);
  const at::Tensor logits = model_->forward(x);
  {
    at::NoGradGuard ng;
    const at::Tensor right = logits.argmax(1).eq(y).sum();  // stays on the device until take_accuracy()
    right_ = right_.defined() ? right_ + right : right;
    seen_ += static_cast<int64_t>(labels.size());
  }
  return {{"loss_cls", at::cross_entropy_loss(logits, y)}};
}

double BodyPretrainTask::take_accuracy() {
  const double acc = seen_ > 0 ? static_cast<double>(right_.item<int64_t>()) / static_cast<double>(seen_) : -1.0;
  right_ = at::Tensor();
  seen_ = 0;
  return acc;
}

std::string BodyPretrainTask::describe_samples(const std::vector<int64_t>& sample_indices) const {
  std::string out;
  for (size_t k = 0; k < sample_indices.size() && k < 4; ++k) {
    const auto& s = samples_.at(static_cast<size_t>(sample_indices[k]));
    out += (k ? "; " : "") + set_.records[s.record].origin + " box " + std::to_string(s.box);
  }
  if (sample_indices.size() > 4) out += "; ... (" + std::to_string(sample_indices.size()) + " crops)";
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
namespace {

/** Logs the share of crops classified right over each log period. */
class AccuracyHook : public engine::TrainHook {
 public:
  AccuracyHook(BodyPretrainTask& task, int64_t period) : task_(task), period_(std::max<int64_t>(1, period)) {}
  void after_step(engine::Trainer& /*trainer*/, const engine::StepStats& s) override {
    if (s.iteration % period_ != 0 && s.iteration != s.max_iter) return;
    const double acc = task_.take_accuracy();
    if (acc >= 0) GLIP_LOG_INFO("[pretrain] iter {}: {:.3f} of the crops classified right", s.iteration, acc);
  }

 private:
  BodyPretrainTask& task_;
  int64_t period_;
};

}  // namespace

engine::TrainResult run_body_pretraining(const GlipConfig& cfg, const std::string& data_root, bool resume,
                                         const std::string& config_yaml, at::Device device) {
  const size_t index = pretrain_dataset_index(cfg);
  data::RecordSet set = data::load_dataset(cfg.data.train[index], cfg.data, data_root);
  BodyPretrainTask task(cfg, std::move(set));
  GLIP_LOG_INFO("[pretrain] body of {} ({}) on {}: {} boxes of {} categories as {}x{} crops, {} per step",
                cfg.model.name, cfg.model.conv_body, cfg.data.train[index].name, task.samples().size(),
                task.classifier()->classifier->weight.size(0), cfg.pretrain.crop_size, cfg.pretrain.crop_size,
                cfg.solver.ims_per_batch);
  TrainRequest req;
  req.data_root = data_root;
  req.resume = resume;
  req.config_yaml = config_yaml;
  engine::TrainerOptions o = trainer_options(cfg, req, device);
  o.freeze_conv_body_at = -1;
  engine::Trainer trainer(task, o, engine::make_single_process_comm());
  trainer.add_hook(engine::make_progress_hook());
  trainer.add_hook(engine::make_metrics_hook());
  trainer.add_hook(std::make_shared<AccuracyHook>(task, cfg.solver.log_period));
  trainer.add_hook(engine::make_curves_hook());
  return trainer.train();
}

}  // namespace glip::app
