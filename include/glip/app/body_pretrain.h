/**
 * Classification pre-training of the visual body: the analogue, for a world glip renders itself, of the ImageNet
 * pre-training every official GLIP starts from (MODEL.BACKBONE ... pretrained Swin / ResNet weights). The body of
 * model.* (Swin or ResNet) learns to name the object of each box of a detection dataset from a square crop around
 * it; its weights then start a GLIP training through model.backbone_weight (docs/training.md, "Pre-training the
 * visual body"). glip_pretrain runs it with the engine's Trainer, so solver.*, checkpoints, exact resume, progress
 * and the metrics files work as in glip_train.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "glip/app/glip_config.h"
#include "glip/data/record.h"
#include "glip/engine/trainer.h"
#include "glip/modeling/linear.h"

namespace glip::app {

/** One box of the pre-training set: its record and box, and its class (0-based, in the categories' order). */
struct PretrainSample {
  size_t record = 0;
  size_t box = 0;
  int64_t label = 0;
};

/** The body of a model config with a linear classifier over the pooled maps the FPN reads (keys body.*). */
class BodyClassifierImpl : public torch::nn::Module {
 public:
  BodyClassifierImpl(const modeling::ModelConfig& model, int64_t num_classes);
  /** crops [B, 3, S, S] (normalised BGR) -> logits [B, num_classes]. */
  at::Tensor forward(const at::Tensor& crops);
  std::shared_ptr<torch::nn::Module> body;
  modeling::Linear classifier{nullptr};

 private:
  std::vector<at::Tensor> maps(const at::Tensor& crops);
  size_t fpn_maps_ = 3;  // the body's last maps (C3..C5) are what the FPN reads
};
TORCH_MODULE(BodyClassifier);

/** The engine task: cross-entropy of the classifier on one crop per box (random crop per sample and iteration). */
class BodyPretrainTask : public engine::TrainTask {
 public:
  BodyPretrainTask(const GlipConfig& cfg, data::RecordSet dataset);
  torch::nn::Module& model() override { return *model_; }
  int64_t dataset_size() const override { return static_cast<int64_t>(samples_.size()); }
  engine::LossTerms losses(const std::vector<int64_t>& sample_indices, int64_t iteration) override;
  std::string describe_samples(const std::vector<int64_t>& sample_indices) const override;

  /** The crop of sample `index` at `iteration`: [3, S, S] normalised BGR (a pure function of both and the seed). */
  at::Tensor crop(int64_t index, int64_t iteration);
  const std::vector<PretrainSample>& samples() const { return samples_; }
  BodyClassifier classifier() const { return model_; }
  /** Share of the crops of the steps since the last call that were classified right (-1 when none). */
  double take_accuracy();

 private:
  at::Tensor image_of(size_t record);

  PretrainConfig opts_;
  data::RecordSet set_;
  std::vector<PretrainSample> samples_;
  BodyClassifier model_;
  uint64_t seed_;
  at::Tensor mean_, std_;  // [3, 1, 1] BGR, the official normalisation
  std::vector<at::Tensor> cache_;
  int64_t cached_bytes_ = 0;
  at::Tensor right_;  // crops classified right since take_accuracy(), on the model's device
  int64_t seen_ = 0;
  at::Device device_ = at::kCPU;
};

/** The boxes of `set` as pre-training samples; InputError when it is not a detection dataset or has no box. */
std::vector<PretrainSample> pretrain_samples(const data::RecordSet& set);

/** Which dataset of data.train pre-training uses (pretrain.dataset, or the first detection dataset). */
size_t pretrain_dataset_index(const GlipConfig& cfg);

/**
 * glip_pretrain after parsing: trains BodyClassifier on pretrain.dataset with solver.* into runtime.work_dir;
 * WORK_DIR/model_final.safetensors is then a model.backbone_weight. Single process (no process group).
 */
engine::TrainResult run_body_pretraining(const GlipConfig& cfg, const std::string& data_root, bool resume,
                                         const std::string& config_yaml, at::Device device);

}  // namespace glip::app
