// The registry of glip's documented config sections (docs/configs.md).
#include "glip/app/config_docs.h"

#include "glip/app/glip_config.h"
#include "glip/config/runtime.h"
#include "glip/data/data_config.h"
#include "glip/engine/solver.h"
#include "glip/inference/eval_config.h"
#include "glip/pseudo/pseudo_config.h"

namespace glip::app {

const std::vector<config::SectionDoc>& documented_sections() {
  using config::document;
  // Add your section here (one line, in the order it should appear in docs/configs.md).
  static const std::vector<config::SectionDoc> all = {
      document<config::RuntimeConfig>("Runtime", "", "Keys at the root of every tool's config."),
      document<modeling::ModelConfig>("Model", "model",
                                      "The GLIP architecture (official MODEL.* keys); the variants are the files in "
                                      "configs/model/ (GLIP-T, T(A), T(B), T(C), GLIP-L, tiny)."),
      document<data::DataConfig>("Data", "data",
                                 "Training datasets (paths relative to --data-root / GLIP_DATA_ROOT), transforms and "
                                 "the loader (docs/formats.md, section Training data config)."),
      document<engine::SolverOptions>("Solver", "solver",
                                      "Optimisation, schedule, checkpoints and logging of glip_train "
                                      "(docs/training.md); official SOLVER.* names in lower case."),
      document<TestConfig>("Test", "test", "Inference settings of glip_eval, glip_infer and glip_pseudolabel."),
      document<inference::EvalConfig>("Evaluation datasets", "eval",
                                      "Datasets `glip_eval --dataset NAME` evaluates a model on (docs/evaluation.md); "
                                      "each `eval.datasets` entry has the keys below."),
      document<pseudo::PseudoConfig>("Pseudo-labelling", "pseudo",
                                     "How glip_pseudolabel turns teacher detections into grounding shards "
                                     "(docs/pseudolabel.md)."),
      document<FinetuneConfig>("Fine-tuning report", "finetune",
                               "glip_train's zero-shot evaluation of eval.datasets before and after training "
                               "(WORK_DIR/finetune_report.json and .md, docs/formats.md)."),
      document<PretrainConfig>("Body pre-training", "pretrain",
                               "The crops glip_pretrain classifies to pre-train the visual body before GLIP "
                               "training (docs/training.md, Pre-training the visual body); solver.* is its "
                               "optimisation."),
  };
  return all;
}

}  // namespace glip::app
