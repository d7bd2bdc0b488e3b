/**
 * What every glip tool shares: exception-to-exit-code mapping around main(), the config options (--config,
 * --set, --dump-config), argument parsing with usage errors (exit 64), and the start of a run (runtime applied,
 * work dir with config.yaml, env.json and log.txt).
 *
 *   int main(int argc, char** argv) {
 *     return glip::cli::run_main([&] {
 *       CLI::App app{"glip_synth: render the synthetic grounding world"};
 *       glip::cli::ConfigArgs cargs;
 *       glip::cli::add_config_options(app, cargs);
 *       if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
 *       SynthToolConfig cfg;
 *       if (!glip::cli::resolve_config(cargs, cfg)) return 0;     // --dump-config printed it
 *       glip::cli::start_run(cfg.runtime, glip::config::dump(cfg));
 *       ...
 *     });
 *   }
 */
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "glip/config/config.h"
#include "glip/config/runtime.h"

namespace glip::cli {

/** Exit codes of the glip tools. */
enum ExitCode : int { kOk = 0, kFailure = 1, kBadInput = 2, kUsage = 64 };

/**
 * Runs `body` and maps exceptions to exit codes with the message on stderr: glip::InputError and
 * std::filesystem::filesystem_error (a path that cannot be used; the message names it) -> 2, other glip::Error /
 * std::exception -> 1. No abort, no stack dump for user mistakes.
 */
int run_main(const std::function<int()>& body);

/** Values of the config options of a tool. */
struct ConfigArgs {
  std::string config_path;        ///< --config FILE.yaml ("" = defaults only)
  std::vector<std::string> sets;  ///< --set KEY=VALUE, in order
  bool dump = false;              ///< --dump-config
};

/** Adds --config, --set (repeatable) and --dump-config to `app`. */
void add_config_options(CLI::App& app, ConfigArgs& args);

/**
 * Parses the command line. Returns nothing when the tool should go on; otherwise the exit code to return:
 * 0 after --help (printed on stdout), 64 for a usage error (the error and the usage on stderr).
 */
std::optional<int> parse_args(CLI::App& app, int argc, const char* const* argv);

/** Prints "usage error: <message>" and the usage of `app` on stderr; returns 64 (kUsage). */
int usage_error(const CLI::App& app, const std::string& message);

/**
 * Loads `cfg` from --config and --set (throws glip::InputError listing every problem). With --dump-config it
 * prints the resolved config as YAML on stdout and returns false: the tool then exits 0.
 */
template <typename T>
bool resolve_config(const ConfigArgs& args, T& cfg) {
  if (args.config_path.empty()) config::load_string(cfg, "", args.sets, "<defaults>");
  else config::load_file(cfg, args.config_path, args.sets);
  if (args.dump) {
    std::cout << config::dump(cfg) << std::flush;
    return false;
  }
  return true;
}

/**
 * Starts a run: applies `rt` (threads, seed, log level, device), creates rt.work_dir, writes config.yaml
 * (`resolved_yaml`) and env.json there atomically, and adds the log file (log.txt; log.rank<N>.txt on other
 * ranks). Returns what was put into effect.
 */
config::RuntimeState start_run(const config::RuntimeConfig& rt, const std::string& resolved_yaml, int rank = 0);

}  // namespace glip::cli
