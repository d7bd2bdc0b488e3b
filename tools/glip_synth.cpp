// glip_synth: renders the synthetic grounding world (see include/glip/synth/world.h and docs/formats.md).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "glip/config/config.h"
#include "glip/config/runtime.h"
#include "glip/core/error.h"
#include "glip/synth/world.h"

namespace {

/** glip_synth's config: the runtime keys at the root and the `world:` section. */
struct SynthToolConfig {
  glip::config::RuntimeConfig runtime;
  glip::synth::WorldOptions world;
  void visit(glip::config::Visitor& v) {
    runtime.visit(v);
    v.section("world", world, "the synthetic grounding world rendered by glip_synth");
  }
};

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"glip_synth: render the synthetic grounding world (gold, web and evaluation splits)"};
    std::string out, config_path;
    std::vector<std::string> sets;
    int64_t seed = -1;
    bool dump = false;
    app.add_option("--out", out, "output folder (replaced atomically)");
    app.add_option("--seed", seed, "random seed (default: the config's seed); the same seed gives identical files");
    app.add_option("--config", config_path, "YAML config, e.g. configs/synthetic_world.yaml");
    app.add_option("--set", sets, "override KEY=VALUE, e.g. world.image_size=96 (repeatable)")->allow_extra_args(false);
    app.add_flag("--dump-config", dump, "print the resolved config as YAML and exit");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    if (out.empty() && !dump) return glip::cli::usage_error(app, "--out is required");
    SynthToolConfig cfg;
    if (config_path.empty()) glip::config::load_string(cfg, "", sets, "--set");
    else glip::config::load_file(cfg, config_path, sets);
    if (seed >= 0) cfg.runtime.seed = seed;
    if (dump) {
      std::cout << glip::config::dump(cfg);
      return glip::cli::kOk;
    }
    glip::synth::validate(cfg.world);
    std::error_code ec;  // the folder is replaced atomically; a file of that name is not ours to replace
    GLIP_CHECK_INPUT(!std::filesystem::exists(out, ec) || std::filesystem::is_directory(out, ec), "--out '", out,
                     "' is an existing file; glip_synth writes (and replaces) a folder");
    glip::synth::WorldSummary s = glip::synth::generate_world(cfg.world, static_cast<uint64_t>(cfg.runtime.seed), out,
                                                              static_cast<int>(cfg.runtime.num_threads));
    std::cout << glip::synth::format_summary(s);
    std::printf("  rendered in %.2f s into %s\n  preview: %s\n", s.seconds, s.out_dir.c_str(), s.preview_path.c_str());
    return glip::cli::kOk;
  });
}
