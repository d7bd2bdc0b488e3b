#include "cli_common.h"

#include <c10/util/Exception.h>

#include <filesystem>
#include <iostream>

#include "glip/core/environment.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/logging.h"

namespace glip::cli {

int run_main(const std::function<int()>& body) {
  try {
    return body();
  } catch (const InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kBadInput;
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the user named that cannot be created, read or followed (a folder where a file is expected, a
    // symlink loop): an input problem; the message names the path(s).
    std::cerr << "error: " << e.what() << "\n";
    return kBadInput;
  } catch (const c10::Error& e) {
    std::cerr << "error: " << e.what_without_backtrace() << "\n";
    return kFailure;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

void add_config_options(CLI::App& app, ConfigArgs& args) {
  app.add_option("--config", args.config_path,
                 "YAML config file (may use _base_ inheritance), or an official GLIP config (upper-case keys, "
                 "docs/configs.md)");
  app.add_option("--set", args.sets, "override one config key: KEY=VALUE, e.g. --set seed=3 (repeatable)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  app.add_flag("--dump-config", args.dump, "print the resolved config as YAML and exit");
}

std::optional<int> parse_args(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kOk;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return kOk;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return kOk;
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e.what());
  }
  return std::nullopt;
}

int usage_error(const CLI::App& app, const std::string& message) {
  // help() shows the selected subcommand's usage when there is one.
  std::cerr << "usage error: " << message << "\n\n" << app.help();
  return kUsage;
}

config::RuntimeState start_run(const config::RuntimeConfig& rt, const std::string& resolved_yaml, int rank) {
  config::RuntimeState st = config::apply_runtime(rt);
  GLIP_CHECK_INPUT(!rt.work_dir.empty(), "work_dir is empty: set it in the config or with --set work_dir=DIR");
  std::error_code ec;
  std::filesystem::create_directories(rt.work_dir, ec);
  GLIP_CHECK_INPUT(!ec, "cannot create work_dir '", rt.work_dir, "': ", ec.message());
  if (rank == 0) {
    write_file_atomic(rt.work_dir + "/config.yaml", resolved_yaml);
    write_file_atomic(rt.work_dir + "/env.json", environment_json(st.device.str(), st.num_threads) + "\n");
  }
  log::set_log_rank(rank);
  log::add_file_sink(rt.work_dir + (rank == 0 ? "/log.txt" : "/log.rank" + std::to_string(rank) + ".txt"));
  GLIP_LOG_INFO("[run] work_dir {} device {} threads {}", rt.work_dir, st.device.str(), st.num_threads);
  return st;
}

}  // namespace glip::cli
