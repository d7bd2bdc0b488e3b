// glip_pretrain: classification pre-training of the visual body on the boxes of a detection dataset (the
// ImageNet pre-training official GLIP starts from, for worlds without one); WORK_DIR/model_final.safetensors is
// then a model.backbone_weight of glip_train (docs/training.md, "Pre-training the visual body").
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

#include "cli_common.h"
#include "glip/app/body_pretrain.h"
#include "glip/app/glip_config.h"
#include "glip/core/error.h"
#include "glip/engine/checkpoint.h"

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{
        "glip_pretrain: pre-train the visual body of model.* by classifying the boxes of a detection "
        "dataset (pretrain.*, solver.*); use WORK_DIR/model_final.safetensors as model.backbone_weight"};
    glip::cli::ConfigArgs cargs;
    glip::cli::add_config_options(app, cargs);
    std::string work_dir, data_root;
    bool resume = false;
    app.add_option("--work-dir", work_dir, "output folder (default: the config's work_dir)");
    app.add_option("--data-root", data_root,
                   "folder the dataset paths of the config are relative to (default: $GLIP_DATA_ROOT)");
    app.add_flag("--resume", resume, "continue from WORK_DIR/last_checkpoint");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    glip::app::GlipConfig cfg;
    if (!glip::cli::resolve_config(cargs, cfg)) return glip::cli::kOk;
    if (!work_dir.empty()) cfg.runtime.work_dir = work_dir;
    if (data_root.empty()) {
      if (const char* env = std::getenv("GLIP_DATA_ROOT")) data_root = env;
    }
    const auto latest = glip::engine::CheckpointManager(cfg.runtime.work_dir, 1).latest_iteration();
    GLIP_CHECK_INPUT(!latest || resume, "work folder '", cfg.runtime.work_dir, "' already holds checkpoint ", *latest,
                     " (last_checkpoint); pass --resume to continue it or choose another --work-dir");
    glip::app::pretrain_dataset_index(cfg);  // a bad pretrain.dataset fails before the work folder is made
    const std::string yaml = glip::config::dump(cfg);
    const glip::config::RuntimeState st = glip::cli::start_run(cfg.runtime, yaml);
    const auto r = glip::app::run_body_pretraining(cfg, data_root, resume, yaml, st.device);
    std::printf(
        "pre-trained iterations %lld..%lld, %.1f crops/s; body weights (model.backbone_weight): "
        "%s/model_final.safetensors\n",
        static_cast<long long>(r.start_iteration), static_cast<long long>(r.final_iteration), r.images_per_second,
        cfg.runtime.work_dir.c_str());
    return glip::cli::kOk;
  });
}
