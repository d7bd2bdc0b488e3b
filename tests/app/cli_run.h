// Runs a tool as a user does (through the shell) and captures its exit code and output, for the CLI tests.
#pragma once
#include <gtest/gtest.h>
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

/** Renders a synthetic world with `synth_exe --out DIR args` into a fresh temp folder tagged `tag`; returns DIR.
 *  A failed render is a test failure (with the tool's output). */
inline std::string render_world(const std::string& synth_exe, const std::string& tag, const std::string& args) {
  const std::string out = temp_dir(tag) + "/w";
  const RunResult r = run_tool(synth_exe, "--out " + out + " " + args);
  EXPECT_EQ(r.code, 0) << r.output;
  return out;
}

}  // namespace glip::test
