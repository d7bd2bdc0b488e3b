/**
 * RuntimeConfig: the keys at the root of every tool's config (device, threads, seed, work dir, log level),
 * and apply_runtime(), which puts them into effect.
 */
#pragma once
#include <c10/core/Device.h>

#include <cstdint>
#include <string>

#include "glip/config/visitor.h"

namespace glip::config {

struct RuntimeConfig {
  std::string device = "auto";
  int64_t num_threads = 0;
  int64_t seed = 0;
  std::string work_dir = "work_dirs/default";
  std::string log_level = "info";

  void visit(Visitor& v);
};

/** What apply_runtime() put into effect. */
struct RuntimeState {
  c10::Device device{c10::kCPU};
  int num_threads = 1;
};

/**
 * Sets the intra-op thread count (at::set_num_threads; 0 = all cores), seeds torch, sets the log level and
 * resolves the device (throws InputError when CUDA is requested but absent).
 */
RuntimeState apply_runtime(const RuntimeConfig& rt);

}  // namespace glip::config
