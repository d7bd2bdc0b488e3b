#include "glip/core/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

#include "glip/core/error.h"

namespace glip::log {
namespace {

std::shared_ptr<spdlog::logger> make_logger() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto l = std::make_shared<spdlog::logger>("glip", sink);
  l->set_pattern("%^[%Y-%m-%d %H:%M:%S.%e] [%l]%$ %v");
  l->set_level(spdlog::level::info);
  l->flush_on(spdlog::level::warn);
  return l;
}

std::shared_ptr<spdlog::logger>& instance() {
  static std::shared_ptr<spdlog::logger> l = make_logger();
  return l;
}

spdlog::level::level_enum to_spd(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

spdlog::logger& logger() { return *instance(); }

void set_level(Level level) { instance()->set_level(to_spd(level)); }

Level parse_level(const std::string& name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn") return Level::kWarn;
  if (name == "error") return Level::kError;
  if (name == "off") return Level::kOff;
  throw InputError(str_cat("unknown log level '", name, "' (expected one of debug, info, warn, error, off)"));
}

void add_file_sink(const std::string& path) {
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
  sink->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  instance()->sinks().push_back(sink);
  instance()->flush_on(spdlog::level::info);
}

void set_log_rank(int rank) {
  if (rank != 0) instance()->set_level(spdlog::level::warn);
}

}  // namespace glip::log
