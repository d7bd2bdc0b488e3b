// Shared by the fuzz targets (OSS-Fuzz style: LLVMFuzzerTestOneInput). A target feeds the bytes to one parser of
// untrusted input; glip::InputError is the parser's answer to malformed input and is fine. Anything else (another
// exception, a crash, a sanitizer report, a hang) escapes and is a finding.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "glip/core/error.h"
#include "glip/core/logging.h"

namespace glip::fuzz {

/** The input as a string; also silences logging once (warnings about skipped records would flood the run). */
inline std::string bytes(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    log::set_level(log::Level::kOff);
    return true;
  }();
  (void)quiet;
  return std::string(reinterpret_cast<const char*>(data), size);
}

/** Files written by as_file, removed when the process ends. */
struct TempFiles {
  std::set<std::string> paths;
  ~TempFiles() {
    std::error_code ec;
    for (const auto& p : paths) std::filesystem::remove(p, ec);
  }
};

/** Writes the input to a file of this process (for readers that take a path) and returns the path. */
inline std::string as_file(const std::string& input, const std::string& name) {
  static TempFiles files;
  const char* tmp = std::getenv("TMPDIR");
  const std::string path =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/glip_fuzz_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << input;
  files.paths.insert(path);
  return path;
}

/** Runs `f`; an InputError is the expected answer to malformed bytes. */
template <class F>
void expect_input_error_or_success(F&& f) {
  try {
    f();
  } catch (const InputError&) {
  }
}

}  // namespace glip::fuzz
