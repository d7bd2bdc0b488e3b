// Plain file writes for files inside the world's temporary folder (the folder as a whole is renamed into
// place at the end, so per-file fsync + rename would only slow the thousands of small files down).
#pragma once
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "glip/core/error.h"

namespace glip::synth {

inline void write_bytes(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  GLIP_CHECK(out.good(), "cannot create '", path, "': ", std::strerror(errno));
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  GLIP_CHECK(!out.fail(), "cannot write '", path, "': ", std::strerror(errno));
}

}  // namespace glip::synth
