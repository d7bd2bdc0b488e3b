// glip_pseudolabel: a GLIP teacher labels WebDataset image-caption shards (GLIP paper section 3.3).
//   glip_pseudolabel --config C --checkpoint TEACHER --input SHARDS... --out DIR [--data-root D]
// One output shard per input shard (docs/formats.md), a manifest and a report; resumable, exactly once; the
// shards are split over RANK/WORLD_SIZE or SLURM_PROCID/SLURM_NTASKS processes. See docs/pseudolabel.md.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/core/sha256.h"
#include "glip/data/data_config.h"
#include "glip/engine/distributed.h"
#include "glip/inference/predictor.h"
#include "glip/pseudo/labeler.h"

namespace {
namespace fs = std::filesystem;

/** What decides the labels: the model, the test-time input size and the pseudo.* section (not threads, paths). */
struct LabelSettings {
  glip::modeling::ModelConfig model;
  glip::pseudo::PseudoConfig pseudo;
  std::vector<int64_t> min_size_test;
  int64_t max_size_test = 0;
  void visit(glip::config::Visitor& v) {
    v.section("model", model, "");
    v.section("pseudo", pseudo, "");
    v("min_size_test", min_size_test, "");
    v("max_size_test", max_size_test, "");
  }
};

/** Input shards: files as given, folders expanded to their *.tar files; relative to the data root. */
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs, const std::string& data_root) {
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    const std::string p = glip::data::resolve_data_path(data_root, in);
    if (fs::is_directory(p)) {
      std::vector<std::string> tars;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".tar") tars.push_back(e.path().string());
      GLIP_CHECK_INPUT(!tars.empty(), "--input '", p, "' is a folder without .tar shards");
      std::sort(tars.begin(), tars.end());
      out.insert(out.end(), tars.begin(), tars.end());
    } else {
      GLIP_CHECK_INPUT(fs::is_regular_file(p), "--input '", p, "' does not exist");
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"glip_pseudolabel: a GLIP teacher labels WebDataset image-caption shards (docs/pseudolabel.md)"};
    glip::cli::ConfigArgs cargs;
    glip::cli::add_config_options(app, cargs);
    std::string checkpoint, out, data_root;
    std::vector<std::string> inputs;
    app.add_option("--checkpoint", checkpoint, "teacher weights (.safetensors or official .pth)")->required();
    app.add_option("--input", inputs, "input WebDataset shards (.tar) or folders of them")->expected(1, -1)->required();
    app.add_option("--out", out, "output folder: one .jsonl per input shard, manifest.json, report.txt")->required();
    app.add_option("--data-root", data_root, "relative --input paths are taken from here (default $GLIP_DATA_ROOT)");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    glip::app::GlipConfig cfg;
    if (!glip::cli::resolve_config(cargs, cfg)) return glip::cli::kOk;
    if (data_root.empty())
      if (const char* r = std::getenv("GLIP_DATA_ROOT")) data_root = r;
    glip::pseudo::validate(cfg.pseudo);
    const auto env = glip::engine::dist_env_from_environment();
    if (cfg.runtime.work_dir.empty() || cfg.runtime.work_dir == glip::config::RuntimeConfig{}.work_dir)
      cfg.runtime.work_dir = (fs::path(out) / "run").string();
    const auto state = glip::cli::start_run(cfg.runtime, glip::config::dump(cfg), env.rank);

    glip::pseudo::LabelRunOptions o;
    o.inputs = expand_inputs(inputs, data_root);
    o.out_dir = out;
    o.teacher_path = checkpoint;
    o.rank = env.rank;
    o.world_size = env.world_size;
    o.cfg = cfg.pseudo;
    GLIP_LOG_INFO("[pseudo] hashing the teacher checkpoint {}", checkpoint);
    o.teacher_sha256 = glip::sha256_file(checkpoint);
    LabelSettings settings{cfg.model, cfg.pseudo, cfg.data.min_size_test, cfg.data.max_size_test};
    o.config_hash = glip::fnv1a_hex(glip::config::dump(settings));

    glip::inference::Predictor predictor(glip::modeling::load_model(cfg.model, checkpoint),
                                         glip::text::make_tokenizer(), glip::app::predictor_options(cfg),
                                         glip::engine::rank_device(state.device, env));
    glip::pseudo::Teacher teacher = [&predictor](const std::vector<at::Tensor>& images,
                                                 const std::vector<glip::text::Prompt>& queries) {
      return predictor.predict(images, queries);  // no-grad inside
    };
    const glip::text::NounPhraseExtractor extractor;
    glip::pseudo::LabelRunResult r = glip::pseudo::run_pseudo_labelling(o, teacher, extractor);
    std::cout << r.report;
    std::printf(
        "rank %d/%d: %d shards labelled, %d finished before, %d failed; %lld images in %.1f s (%.2f images/s)%s\n",
        o.rank, o.world_size, r.labelled, r.resumed, r.failed, static_cast<long long>(r.totals.samples), r.seconds,
        r.images_per_second, r.complete ? "; all shards finished" : "; other shards are not finished yet");
    for (const auto& s : r.shards)
      if (s.state == glip::pseudo::ShardOutcome::kFailed)
        std::fprintf(stderr, "FAILED %s: %s\n", s.input.c_str(), s.error.c_str());
    return r.failed ? glip::cli::kBadInput : glip::cli::kOk;
  });
}
