// glip_synth: renders the synthetic grounding world (see include/glip/synth/world.h and docs/formats.md).
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli_common.h"
#include "glip/synth/world.h"

int main(int argc, char** argv) {
  return glip::cli::run_main([&] {
    CLI::App app{"glip_synth: render the synthetic grounding world (gold, web and evaluation splits)"};
    std::string out;
    uint64_t seed = 0;
    int threads = 0;
    app.add_option("--out", out, "output folder (replaced atomically)")->required();
    app.add_option("--seed", seed, "random seed; the same seed gives byte-identical files")->required();
    app.add_option("--threads", threads, "rendering threads (0: all cores)");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e) == 0 ? glip::cli::kOk : glip::cli::kUsage;
    }
    glip::synth::WorldOptions options;
    glip::synth::WorldSummary s = glip::synth::generate_world(options, seed, out, threads);
    std::cout << glip::synth::format_summary(s);
    std::printf("  rendered in %.2f s into %s\n  preview: %s\n", s.seconds, s.out_dir.c_str(), s.preview_path.c_str());
    return glip::cli::kOk;
  });
}
