/** Build and environment information: glip version, git SHA, LibTorch version, BLAS, device, threads. */
#pragma once
#include <string>

namespace glip {

/** Facts fixed when glip was built (the git SHA is read at each build; "-dirty" marks local changes). */
struct BuildInfo {
  std::string version;     ///< e.g. "0.1.0"
  std::string git_sha;     ///< short SHA, "unknown" outside a git checkout
  std::string build_type;  ///< CMAKE_BUILD_TYPE
  std::string compiler;    ///< compiler id and version
};
const BuildInfo& build_info();

/** The LibTorch version glip runs against, e.g. "1.13.1". */
std::string torch_version();
/** The BLAS LibTorch was built with (from at::show_config(), e.g. "open"), "unknown" if not reported. */
std::string blas_name();

/**
 * One JSON object with the build info, LibTorch version, BLAS, CUDA availability, `device`, `num_threads`,
 * host name and time: what a run writes to <work_dir>/env.json.
 */
std::string environment_json(const std::string& device, int num_threads);

}  // namespace glip
