// Shared by the fuzz targets (OSS-Fuzz style: LLVMFuzzerTestOneInput). A target feeds the bytes to one parser of
// untrusted input; glip::InputError is the parser's answer to malformed input and is fine. Anything else (another
// exception, a crash, a sanitizer report, a hang) escapes and is a finding.
// A target is written `GLIP_FUZZ_TARGET(name) { ... }`: with libFuzzer (GLIP_FUZZ) that is the program's
// LLVMFuzzerTestOneInput; in the normal build every target is compiled into the one program fuzz_replay
// (replay_main.cpp), which runs the target named on its command line.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
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

using Target = int (*)(const uint8_t* data, size_t size);

/** The targets of the replay program by name (GLIP_FUZZ_REPLAY). */
inline std::map<std::string, Target>& targets() {
  static std::map<std::string, Target> all;
  return all;
}

struct Registration {
  Registration(const char* name, Target t) { targets()[name] = t; }
};

}  // namespace glip::fuzz

#if defined(GLIP_FUZZ_REPLAY)
#define GLIP_FUZZ_TARGET(name)                                                                   \
  static int glip_fuzz_##name(const uint8_t* data, size_t size);                                 \
  static const glip::fuzz::Registration glip_fuzz_registration_##name(#name, &glip_fuzz_##name); \
  static int glip_fuzz_##name(const uint8_t* data, size_t size)
#else
#define GLIP_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
#endif
