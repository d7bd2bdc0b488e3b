#include "glip/app/glip_config.h"

namespace glip::app {

void TestConfig::visit(config::Visitor& v) {
  v("ims_per_batch", ims_per_batch, "images per inference forward pass (TEST.IMS_PER_BATCH)", config::range(1, 1024));
  v("chunk_size", chunk_size, "categories per prompt in evaluation (-1 or 0: all in one prompt; LVIS uses 40)",
    config::at_least(-1));
  v("score_threshold", score_threshold, "drop detections scoring below this after post-processing (0 keeps all)",
    config::range(0.0, 1.0));
}

void FinetuneConfig::visit(config::Visitor& v) {
  v("eval_before_after", eval_before_after,
    "glip_train: evaluate eval.datasets on the starting weights before training and on the final ones after; "
    "writes WORK_DIR/finetune_report.json and .md (docs/formats.md)");
  v("datasets", datasets, "names of eval.datasets the before/after evaluation runs (empty: all)");
}

void PretrainConfig::visit(config::Visitor& v) {
  v("dataset", dataset,
    "glip_pretrain: the detection dataset of data.train whose boxes it classifies (empty: the "
    "first detection dataset)");
  v("crop_size", crop_size, "side in pixels of the square crop around a box that the body classifies",
    config::range(16, 1024));
  v("context", context, "context added on each side of the box, as a fraction of its longer side",
    config::range(0.0, 4.0));
  v("jitter", jitter, "random shift of the crop centre and change of its side, as a fraction of the side",
    config::range(0.0, 0.5));
  v("flip_prob", flip_prob, "probability of a horizontal flip of a crop", config::range(0.0, 1.0));
  v("image_cache_mb", image_cache_mb,
    "decoded images kept in memory up to this many MiB (the rest are decoded "
    "for each crop)",
    config::at_least(0));
}

void GlipConfig::visit(config::Visitor& v) {
  runtime.visit(v);
  v.section("model", model, "the architecture (the files in configs/model/)");
  v.section("data", data, "datasets, transforms and loader");
  v.section("solver", solver, "optimisation (official SOLVER.* in lower case)");
  v.section("test", test, "inference settings");
  v.section("eval", eval, "datasets glip_eval evaluates a model on (docs/evaluation.md)");
  v.section("pseudo", pseudo, "pseudo-labelling with a teacher (glip_pseudolabel, docs/pseudolabel.md)");
  v.section("finetune", finetune, "zero-shot evaluation before and after fine-tuning (glip_train)");
  v.section("pretrain", pretrain, "classification pre-training of the visual body (glip_pretrain)");
}

inference::PredictorOptions predictor_options(const GlipConfig& cfg) {
  inference::PredictorOptions o;
  o.min_size = cfg.data.min_size_test.empty() ? 800 : cfg.data.min_size_test.front();
  o.max_size = cfg.data.max_size_test;
  o.size_divisibility = cfg.data.size_divisibility;
  o.max_query_len = cfg.model.max_query_len;
  o.score_threshold = cfg.test.score_threshold;
  return o;
}

inference::ModelEvalRun model_eval_run(const GlipConfig& cfg, const inference::Predictor& predictor,
                                       const std::string& data_root, const std::string& out_dir) {
  inference::ModelEvalRun run;
  run.predictor = &predictor;
  run.data_root = data_root;
  run.out_dir = out_dir;
  run.batch_size = cfg.test.ims_per_batch;
  run.default_chunk_size = cfg.test.chunk_size;
  const data::DataConfig data = cfg.data;
  run.class_prompts = [data](const std::map<int64_t, std::string>& categories, const std::string& what) {
    return data::class_prompts(data, categories, what);
  };
  return run;
}

}  // namespace glip::app
