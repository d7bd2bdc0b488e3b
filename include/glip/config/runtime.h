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
 * Makes glibc's malloc keep freed memory for reuse instead of handing it back to the kernel after every large free
 * (docs/benchmarks.md, "Heap"): trim threshold 1 GiB, top pad 64 MiB, mmap threshold 32 MiB (glibc's own ceiling
 * for its adaptive threshold). A training step of the tiny model frees and re-allocates the same few hundred MB;
 * returning them and faulting them back in cost a third of its time. The malloc settings are skipped where the user
 * set GLIBC_TUNABLES glibc.malloc.* (their choice wins) or where the C library is not glibc. Also installs the
 * large-block allocator for tensors of 2 MiB and more (glip/core/host_allocator.h) unless GLIP_HOST_ALLOCATOR=system
 * (cached, or unset, installs it; any other value throws InputError naming the variable). Called by apply_runtime().
 */
void keep_freed_heap();

/**
 * Sets the intra-op thread count (at::set_num_threads; 0 = all cores), seeds torch, sets the log level and
 * resolves the device (throws InputError when CUDA is requested but absent); keep_freed_heap().
 */
RuntimeState apply_runtime(const RuntimeConfig& rt);

/**
 * How many threads an at::parallel_for of two items in glip's own code uses now: 2 when it runs in parallel,
 * 1 when it runs on the calling thread (one intra-op thread, or code compiled without OpenMP: ATen's
 * at::parallel_for is a header template that runs in parallel only where _OPENMP is defined, so a build without
 * -fopenmp silently ran every kernel of glip's on one thread; cmake/GlipDeps.cmake links OpenMP).
 */
int parallel_for_threads();

}  // namespace glip::config
