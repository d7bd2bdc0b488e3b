// Runs a tool as a user does (through the shell) and captures its exit code and output, for the CLI tests.
#pragma once
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "common/test_utils.h"
#include "glip/core/fs.h"

namespace glip::test {

struct RunResult {
  int code = -1;
  std::string output;  ///< stdout and stderr together
};

inline RunResult run_tool(const std::string& exe, const std::string& args) {
  const std::string dir = temp_dir("cli_run_out");
  const std::string cmd = exe + " " + args + " > " + dir + "/out.txt 2>&1";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(dir + "/out.txt")};
}

}  // namespace glip::test
