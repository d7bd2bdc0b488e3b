// Starting this test binary again as a child process (fork + exec of /proc/self/exe with a gtest filter and
// extra environment variables), for the kill -9 resume and the multi-process distributed tests.
#pragma once
#include <signal.h>
#include <sys/types.h>

#include <map>
#include <string>

namespace glip::engine::test {

/** Starts `/proc/self/exe --gtest_filter=<filter>` with `env` added; output goes to `log_path`. */
pid_t spawn_self(const std::string& filter, const std::map<std::string, std::string>& env, const std::string& log_path);

/**
 * Waits for `pid` up to `timeout_s` seconds. Returns the exit status (WEXITSTATUS), 128 + signal when
 * killed by a signal, or -1 on timeout (the child is then killed).
 */
int wait_child(pid_t pid, double timeout_s);

/** A TCP port that was free a moment ago. */
int free_port();

/** Value of an environment variable or `fallback`. */
std::string env_or(const char* name, const std::string& fallback);

}  // namespace glip::engine::test
