// RuntimeConfig and device selection.
#include "glip/config/runtime.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <gtest/gtest.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <torch/cuda.h>

#include <cstdlib>
#include <cstring>

#include "common/scoped_env.h"
#include "glip/config/config.h"
#include "glip/core/device.h"
#include "glip/core/error.h"
#include "glip/core/host_allocator.h"
#include "glip/core/sanitizers.h"

namespace glip {
namespace {

TEST(Device, ParsesSpecs) {
  EXPECT_EQ(device_spec_problem("auto"), "");
  EXPECT_EQ(device_spec_problem("cpu"), "");
  EXPECT_EQ(device_spec_problem("cuda"), "");
  EXPECT_EQ(device_spec_problem("cuda:12"), "");
  EXPECT_EQ(device_spec_problem("cuda:"), "expected auto|cpu|cuda|cuda:N, got 'cuda:'");
  EXPECT_EQ(device_spec_problem("cuda:x"), "expected auto|cpu|cuda|cuda:N, got 'cuda:x'");
  EXPECT_EQ(device_spec_problem("gpu"), "expected auto|cpu|cuda|cuda:N, got 'gpu'");
  EXPECT_TRUE(resolve_device("cpu").is_cpu());
}

TEST(Device, CudaRequestedButAbsentIsAnInputError) {
  if (torch::cuda::is_available()) {
    EXPECT_TRUE(resolve_device("auto").is_cuda());
    EXPECT_THROW(resolve_device("cuda:99"), InputError);
    return;
  }
  EXPECT_TRUE(resolve_device("auto").is_cpu());
  try {
    resolve_device("cuda:1");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "device 'cuda:1' requested but CUDA is not available (this LibTorch has no CUDA support or no GPU "
              "is visible); use device: cpu or auto");
  }
  EXPECT_THROW(resolve_device("tpu"), InputError);
}

TEST(Runtime, AppliesThreadsAndSeed) {
  config::RuntimeConfig rt;
  config::load_string(rt, "device: cpu\nnum_threads: 1\nseed: 7\nlog_level: warn\n");
  config::RuntimeState st = config::apply_runtime(rt);
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_EQ(st.num_threads, 1);
  EXPECT_TRUE(st.device.is_cpu());
  at::Tensor a = at::rand({4});
  config::apply_runtime(rt);
  EXPECT_TRUE(at::equal(a, at::rand({4})));  // the same seed gives the same numbers
  rt.num_threads = 0;
  rt.log_level = "info";
  st = config::apply_runtime(rt);
  EXPECT_GE(st.num_threads, 1);
  EXPECT_EQ(at::get_num_threads(), st.num_threads);
}

// glip's kernels (the DCN's sampling, the fused softmaxes, the window products) split their work with
// at::parallel_for, which runs in parallel only in code compiled with OpenMP; until 2026-12-05 glip was not, and
// every one of them ran on the calling thread whatever num_threads said.
TEST(Runtime, AtParallelForInGlipsCodeUsesTheIntraOpThreads) {
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  EXPECT_EQ(config::parallel_for_threads(), 2) << "glip's code was compiled without OpenMP (cmake/GlipDeps.cmake)";
  at::set_num_threads(1);
  EXPECT_EQ(config::parallel_for_threads(), 1);
  at::set_num_threads(threads);
}

TEST(Runtime, SizesTheOpenBlasPoolToNumThreads) {
  using GetThreads = int (*)();
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (!get) GTEST_SKIP() << "this LibTorch does not call OpenBLAS";
  config::RuntimeConfig rt;
  config::load_string(rt, "device: cpu\nnum_threads: 1\nlog_level: warn\n");
  config::apply_runtime(rt);
  EXPECT_EQ(get(), 1);
  rt.num_threads = 0;
  const config::RuntimeState st = config::apply_runtime(rt);
  EXPECT_EQ(get(), st.num_threads);
}

// keep_freed_heap (called by apply_runtime and by the test main): a 16 MiB block comes from the heap, not from its
// own mmap (glibc's default threshold is 128 KiB), and once freed it stays in the heap's top chunk for the next
// allocation instead of being handed back to the kernel (default trim threshold 128 KiB).
TEST(Runtime, FreedHeapIsKeptForReuse) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) GTEST_SKIP() << "GLIBC_TUNABLES set";
  if (kAddressSanitizer) GTEST_SKIP() << "AddressSanitizer replaces glibc's malloc, whose heap this test inspects";
  config::keep_freed_heap();
  const size_t mmapped = mallinfo2().hblkhd;
  constexpr size_t kBlock = size_t{16} << 20;
  void* p = std::malloc(kBlock);
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, kBlock);
  EXPECT_EQ(mallinfo2().hblkhd, mmapped) << "the block was mmapped on its own";
  std::free(p);
  EXPECT_GE(mallinfo2().keepcost, kBlock) << "the freed block was trimmed from the heap";
#else
  GTEST_SKIP() << "not glibc 2.33+";
#endif
}

// GLIP_HOST_ALLOCATOR takes 'cached' or 'system'; anything else is refused with the variable's name and value.
TEST(Runtime, HostAllocatorVariableAcceptsCachedOrSystemOnly) {
  test::ScopedEnv env("GLIP_HOST_ALLOCATOR", "System");
  try {
    config::keep_freed_heap();
    ADD_FAILURE() << "GLIP_HOST_ALLOCATOR=System was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("GLIP_HOST_ALLOCATOR"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'System'"), std::string::npos) << e.what();
  }
  env.set("cached");
  EXPECT_NO_THROW(config::keep_freed_heap());
  EXPECT_TRUE(large_block_allocator_installed());
}

}  // namespace
}  // namespace glip
