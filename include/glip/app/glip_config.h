/**
 * The root config shared by glip_train, glip_eval (model mode), glip_infer and glip_pseudolabel, so that one
 * YAML file (the YAML files in configs/) serves every tool: runtime keys at the root, then the `model.*`, `data.*`,
 * `solver.*`, `test.*` and `pseudo.*` sections. Each tool reads the sections it needs and ignores the rest.
 */
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "glip/config/runtime.h"
#include "glip/config/visitor.h"
#include "glip/data/data_config.h"
#include "glip/engine/solver.h"
#include "glip/inference/eval_config.h"
#include "glip/inference/model_eval.h"
#include "glip/inference/predictor.h"
#include "glip/modeling/model_config.h"
#include "glip/pseudo/pseudo_config.h"

namespace glip::app {

/** test.*: inference settings (official TEST.* and the test-time INPUT.* keys). */
struct TestConfig {
  int64_t ims_per_batch = 1;     ///< TEST.IMS_PER_BATCH (images per forward pass)
  int64_t chunk_size = -1;       ///< TEST.CHUNKED_EVALUATION: categories per prompt (-1: all in one; LVIS 40)
  double score_threshold = 0.0;  ///< detections below are dropped (infer and pseudo-labelling use their own)
  void visit(config::Visitor& v);
};

/**
 * finetune.*: glip_train evaluates the eval.datasets on the starting weights before training and on the final
 * weights after, and writes WORK_DIR/finetune_report.{json,md} (docs/formats.md).
 */
struct FinetuneConfig {
  bool eval_before_after = false;     ///< evaluate before and after training, write the report
  std::vector<std::string> datasets;  ///< names of eval.datasets to evaluate (empty: all of them)
  void visit(config::Visitor& v);
};

/**
 * pretrain.*: the crops glip_pretrain classifies to pre-train the visual body (app/body_pretrain.h); its
 * optimisation is solver.*.
 */
struct PretrainConfig {
  std::string dataset;            ///< name of a detection dataset of data.train ("": the first one)
  int64_t crop_size = 64;         ///< side of the square crop the body sees, pixels
  double context = 0.25;          ///< context around the box on each side, as a fraction of its longer side
  double jitter = 0.15;           ///< random shift of the crop centre and scale of its side, fraction of the side
  double flip_prob = 0.5;         ///< horizontal flip probability
  int64_t image_cache_mb = 1024;  ///< decoded images kept in memory up to this size (then decoded per crop)
  void visit(config::Visitor& v);
};

struct GlipConfig {
  config::RuntimeConfig runtime;
  modeling::ModelConfig model;
  data::DataConfig data;
  engine::SolverOptions solver;
  TestConfig test;
  inference::EvalConfig eval;
  pseudo::PseudoConfig pseudo;
  FinetuneConfig finetune;
  PretrainConfig pretrain;
  void visit(config::Visitor& v);
};

/** Predictor options from the config (data.min_size_test[0], data.max_size_test, model.max_query_len, ...). */
inference::PredictorOptions predictor_options(const GlipConfig& cfg);

/**
 * How glip_eval and glip_train's before/after evaluation run `predictor` on the eval.datasets of `cfg`:
 * test.ims_per_batch, test.chunk_size, and the category prompts of data.override_category / caption_prompt.
 */
inference::ModelEvalRun model_eval_run(const GlipConfig& cfg, const inference::Predictor& predictor,
                                       const std::string& data_root, const std::string& out_dir);

}  // namespace glip::app
