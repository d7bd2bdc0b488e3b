#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "glip/core/environment.h"
#include "glip_build_info.h"  // generated in <build>/generated

namespace glip {

const BuildInfo& build_info() {
  static const BuildInfo info{GLIP_BUILD_VERSION, GLIP_BUILD_GIT_SHA, GLIP_BUILD_TYPE, GLIP_BUILD_COMPILER};
  return info;
}

std::string torch_version() {
#ifdef TORCH_VERSION
  return TORCH_VERSION;
#else
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
#endif
}

std::string blas_name() {
  std::istringstream cfg(at::show_config());
  for (std::string line; std::getline(cfg, line);) {
    const auto pos = line.find("BLAS_INFO=");
    if (pos == std::string::npos) continue;
    std::string v = line.substr(pos + 10);
    return v.substr(0, v.find_first_of(", "));
  }
  return "unknown";
}

std::string environment_json(const std::string& device, int num_threads) {
  const BuildInfo& b = build_info();
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  nlohmann::json j = {
      {"glip_version", b.version},
      {"git_sha", b.git_sha},
      {"build_type", b.build_type},
      {"compiler", b.compiler},
      {"torch_version", torch_version()},
      {"blas", blas_name()},
      {"cuda_available", torch::cuda::is_available()},
      {"cuda_device_count", torch::cuda::device_count()},
      {"device", device},
      {"num_threads", num_threads},
      {"hardware_concurrency", static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN))},
      {"host", host},
      {"time_utc", when},
  };
  return j.dump(2);
}

}  // namespace glip
