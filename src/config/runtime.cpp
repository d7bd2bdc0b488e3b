#include "glip/config/runtime.h"

#include <ATen/Parallel.h>
#include <torch/utils.h>

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include <thread>

#include "glip/core/device.h"
#include "glip/core/error.h"
#include "glip/core/host_allocator.h"
#include "glip/core/logging.h"

namespace glip::config {

void RuntimeConfig::visit(Visitor& v) {
  v("device", device, "where tensors live: auto (first GPU if any, else CPU), cpu, cuda or cuda:N",
    check("auto|cpu|cuda|cuda:N", device_spec_problem));
  v("num_threads", num_threads,
    "threads for intra-op parallelism (the OpenMP team and the OpenBLAS pool); 0 = all cores", range(0, 256));
  v("seed", seed, "random seed (torch, data order, rendering)", at_least(0));
  v("work_dir", work_dir, "folder for outputs: config.yaml, env.json, log.txt, metrics.jsonl, checkpoints");
  v("log_level", log_level, "console and log-file level", one_of({"debug", "info", "warn", "error", "off"}));
}

namespace {

// OpenBLAS (Debian's libopenblas0-pthread, which ATen calls for sgemm) keeps its own pthread pool, sized to
// all cores and independent of at::set_num_threads: with num_threads=1 a second BLAS thread still woke up for
// every GEMM and spun in sched_yield between them, and with num_threads=N the OpenMP team and the BLAS pool
// (2N threads on N cores) preempted each other. The pool is sized to num_threads here; looked up at run time
// so that builds against another BLAS (MKL, reference BLAS) need nothing.
void set_blas_threads(int n) {
  using SetThreads = void (*)(int);
  if (auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
}

}  // namespace

void keep_freed_heap() {
  const char* host = std::getenv("GLIP_HOST_ALLOCATOR");
  const std::string choice = host != nullptr ? host : "";
  GLIP_CHECK_INPUT(choice.empty() || choice == "cached" || choice == "system",
                   "environment variable GLIP_HOST_ALLOCATOR must be 'cached' (the default) or 'system', got '", choice,
                   "'");
  if (choice != "system") install_large_block_allocator();
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

int parallel_for_threads() {
  std::atomic<int> seen{0};
  std::atomic<bool> thread_seen[2] = {false, false};
  at::parallel_for(0, 2, 1, [&](int64_t begin, int64_t end) {
    const int t = at::get_thread_num();
    if (t >= 0 && t < 2 && !thread_seen[t].exchange(true)) ++seen;
    (void)begin, (void)end;
  });
  return seen.load();
}

RuntimeState apply_runtime(const RuntimeConfig& rt) {
  RuntimeState st;
  keep_freed_heap();
  log::set_level(log::parse_level(rt.log_level));
  st.device = resolve_device(rt.device);
  unsigned hw = std::thread::hardware_concurrency();
  st.num_threads = rt.num_threads > 0 ? static_cast<int>(rt.num_threads) : static_cast<int>(hw > 0 ? hw : 1);
  at::set_num_threads(st.num_threads);
  set_blas_threads(st.num_threads);
  torch::manual_seed(static_cast<uint64_t>(rt.seed));
  return st;
}

}  // namespace glip::config
