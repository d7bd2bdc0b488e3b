// glip_config_docs: writes docs/configs.md from the config structs, or checks that it is up to date; prints the glip
// config an official GLIP config maps to.
#include <iostream>

#include "cli_common.h"
#include "glip/app/config_docs.h"
#include "glip/config/official.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/synth/options.h"

int main(int argc, char** argv) {
  return glip::cli::run_main([&] {
    CLI::App app{"glip_config_docs: generate docs/configs.md from the config structs"};
    std::string write_path, check_path, official_path;
    auto* w = app.add_option("--write", write_path, "write the reference to this file");
    auto* c = app.add_option("--check", check_path, "exit 1 when this file differs from the generated reference");
    auto* o = app.add_option("--from-official", official_path,
                             "print the glip config an official GLIP config (yacs YAML) maps to, then the keys it "
                             "cannot map (exit 2 when there are any)");
    w->excludes(c);
    o->excludes(w)->excludes(c);
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    if (!official_path.empty()) {
      const auto tr = glip::config::translate_official_file(official_path);
      if (!tr.problems.empty()) {
        std::string msg = official_path + ": " + std::to_string(tr.problems.size()) +
                          " official keys with no glip equivalent or a value glip cannot reproduce:";
        for (const auto& p : tr.problems) msg += "\n  " + p;
        throw glip::InputError(msg);
      }
      std::cout << "# glip config translated from the official " << official_path << "\n" << tr.glip_yaml;
      return static_cast<int>(glip::cli::kOk);
    }
    auto sections = glip::app::documented_sections();
    sections.push_back(glip::synth::world_section());
    const std::string md = glip::config::configs_markdown(sections);
    if (!write_path.empty()) {
      glip::write_file_atomic(write_path, md);
      std::cout << "wrote " << write_path << "\n";
    } else if (!check_path.empty()) {
      if (glip::read_file(check_path) != md) {
        std::cerr << "error: " << check_path << " is out of date; regenerate it with: glip_config_docs --write "
                  << check_path << "\n";
        return static_cast<int>(glip::cli::kFailure);
      }
      std::cout << check_path << " is up to date\n";
    } else {
      std::cout << md;
    }
    return static_cast<int>(glip::cli::kOk);
  });
}
