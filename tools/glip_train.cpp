// glip_train: trains a GLIP variant on a weighted mix of datasets (docs/training.md), on one CPU core or
// many GPUs on many machines (torchrun / SLURM variables; scripts/launch_local.sh starts local ranks).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "cli_common.h"
#include "glip/app/glip_config.h"
#include "glip/app/train_task.h"
#include "glip/core/error.h"
#include "glip/data/grounding_batch.h"
#include "glip/engine/checkpoint.h"
#include "glip/engine/distributed.h"

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"glip_train: train GLIP on the datasets of data.train (weights: WORK_DIR/model_final.safetensors)"};
    glip::cli::ConfigArgs cargs;
    glip::cli::add_config_options(app, cargs);
    std::string work_dir, data_root, weights;
    bool resume = false;
    int64_t print_batch = -1;
    app.add_option("--work-dir", work_dir, "output folder (default: the config's work_dir)");
    app.add_option("--data-root", data_root,
                   "folder the dataset paths of the config are relative to (default: $GLIP_DATA_ROOT)");
    app.add_flag("--resume", resume, "continue from WORK_DIR/last_checkpoint");
    app.add_option("--weights", weights,
                   "initial weights for fine-tuning: an official GLIP .pth or a glip .safetensors; the same as "
                   "--set model.weight=FILE, recorded in WORK_DIR/config.yaml (default: model.weight)");
    app.add_option("--print-batch", print_batch,
                   "print the training batch of this iteration (captions, tokens, boxes and the tokens each box "
                   "is taught) and exit; writes nothing");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    glip::app::GlipConfig cfg;
    if (!glip::cli::resolve_config(cargs, cfg)) return glip::cli::kOk;
    if (!work_dir.empty()) cfg.runtime.work_dir = work_dir;
    if (!weights.empty()) cfg.model.weight = weights;  // saved with the resolved config: the run is reproducible
    if (data_root.empty()) {
      if (const char* env = std::getenv("GLIP_DATA_ROOT")) data_root = env;
    }
    // Refuse a finished or interrupted run before anything in its folder is overwritten.
    const auto latest = glip::engine::CheckpointManager(cfg.runtime.work_dir, 1).latest_iteration();
    GLIP_CHECK_INPUT(!latest || resume, "work folder '", cfg.runtime.work_dir, "' already holds checkpoint ", *latest,
                     " (last_checkpoint); pass --resume to continue it or choose another --work-dir");
    GLIP_CHECK_INPUT(weights.empty() || std::filesystem::is_regular_file(weights), "--weights: file '", weights,
                     "' does not exist");
    // The datasets before the work folder: a missing or malformed file leaves nothing behind.
    auto datasets = glip::app::load_train_datasets(cfg.data, data_root);
    if (print_batch >= 0) {
      auto tok = glip::text::make_tokenizer();
      const auto builder = glip::app::make_batch_builder(cfg, std::move(datasets), tok);
      std::fputs(glip::data::describe_batch(builder->build(print_batch, 0, 1, cfg.solver.ims_per_batch), *tok).c_str(),
                 stdout);
      return glip::cli::kOk;
    }
    const glip::engine::DistEnv env = glip::engine::dist_env_from_environment();
    const std::string yaml = glip::config::dump(cfg);
    // The device first (start_run resolves it), then the process group on it.
    glip::config::RuntimeState st = glip::cli::start_run(cfg.runtime, yaml, env.rank);
    at::Device device = st.device;
    device = glip::engine::rank_device(device, env);
    glip::engine::CommOptions copts;
    copts.use_cuda = device.is_cuda();
    auto comm = glip::engine::init_comm(env, copts);
    glip::app::TrainRequest req;
    req.data_root = data_root;
    req.resume = resume;
    req.config_yaml = yaml;
    const glip::engine::TrainResult r = glip::app::run_training(cfg, req, std::move(datasets), device, comm);
    if (comm->rank() == 0) {
      std::printf("trained iterations %lld..%lld (%lld skipped), %.2f images/s; weights: %s/model_final.safetensors\n",
                  static_cast<long long>(r.start_iteration), static_cast<long long>(r.final_iteration),
                  static_cast<long long>(r.skipped_steps), r.images_per_second, cfg.runtime.work_dir.c_str());
      if (cfg.finetune.eval_before_after)
        std::printf("zero-shot before vs fine-tuned after: %s/finetune_report.md (and .json)\n",
                    cfg.runtime.work_dir.c_str());
    }
    return glip::cli::kOk;
  });
}
