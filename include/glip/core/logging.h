/**
 * Logging: spdlog stays behind this header. Messages start with a [component] tag by convention:
 *   GLIP_LOG_INFO("[synth] wrote {} images", n);
 * Only rank 0 logs at info level by default (see set_log_rank).
 */
#pragma once
#include <string>

#include <spdlog/spdlog.h>

namespace glip::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

/** Sets the console level (and the file level, when a file sink is open). */
void set_level(Level level);
/** Parses "debug|info|warn|error|off"; throws InputError naming the value otherwise. */
Level parse_level(const std::string& name);
/** Adds a log file (appended); every later message goes to the console and the file. */
void add_file_sink(const std::string& path);
/** Declares this process's rank: ranks other than 0 only log warnings and errors. */
void set_log_rank(int rank);
/** The shared logger. */
spdlog::logger& logger();

}  // namespace glip::log

#define GLIP_LOG_DEBUG(...) ::glip::log::logger().debug(__VA_ARGS__)
#define GLIP_LOG_INFO(...) ::glip::log::logger().info(__VA_ARGS__)
#define GLIP_LOG_WARN(...) ::glip::log::logger().warn(__VA_ARGS__)
#define GLIP_LOG_ERROR(...) ::glip::log::logger().error(__VA_ARGS__)
