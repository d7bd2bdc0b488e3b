// The large-block CPU allocator (include/glip/core/host_allocator.h). The test main installs it (keep_freed_heap),
// as every tool does; counters are process-wide, so each test compares before and after.
#include "glip/core/host_allocator.h"

#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>

namespace glip {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

class LargeBlocks : public ::testing::Test {
 protected:
  void SetUp() override {
    install_large_block_allocator();
    release_cached_large_blocks();
  }
  void TearDown() override { install_large_block_allocator(); }  // default options for the next test
};

at::Tensor floats(std::size_t bytes) { return torch::empty({static_cast<int64_t>(bytes / sizeof(float))}); }

TEST_F(LargeBlocks, LargeTensorsAreAlignedAndTheirBlockIsReused) {
  ASSERT_TRUE(large_block_allocator_installed());
  const auto before = large_block_stats();
  void* first = nullptr;
  {
    auto t = floats(10 * kMiB);
    first = t.data_ptr();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(first) % (2 * kMiB), 0u);
    EXPECT_EQ(large_block_stats().live_bytes, before.live_bytes + 10 * kMiB);
    t.fill_(3.f);  // the mapping is writable and readable
    EXPECT_EQ(t.sum().item<double>(), 3.0 * static_cast<double>(t.numel()));
  }
  EXPECT_EQ(large_block_stats().cached_bytes, 10 * kMiB) << "the freed block is kept";
  auto again = floats(9 * kMiB);  // up to a quarter smaller: served by the same block
  EXPECT_EQ(again.data_ptr(), first);
  const auto after = large_block_stats();
  EXPECT_EQ(after.reuses, before.reuses + 1);
  EXPECT_EQ(after.maps, before.maps + 1);
  EXPECT_EQ(after.cached_bytes, 0u);
}

TEST_F(LargeBlocks, SmallTensorsAndMuchSmallerRequestsDoNotTakeACachedBlock) {
  const auto before = large_block_stats();
  { auto t = floats(16 * kMiB); }
  auto small = floats(64 * 1024);  // below min_bytes: the allocator LibTorch had
  EXPECT_EQ(large_block_stats().live_bytes, before.live_bytes);
  auto half = floats(8 * kMiB);  // the cached 16 MiB block is more than a quarter larger
  EXPECT_EQ(large_block_stats().reuses, before.reuses);
}

// On a miss, cached blocks are unmapped before a new one is mapped: live + cached stays at the peak of live bytes.
TEST_F(LargeBlocks, AMissUnmapsCachedBlocksFirstSoMappedMemoryDoesNotGrowPastTheLivePeak) {
  const auto base = large_block_stats().live_bytes;
  { auto a = floats(8 * kMiB), b = floats(8 * kMiB); }
  EXPECT_EQ(large_block_stats().cached_bytes, 16 * kMiB);
  auto c = floats(12 * kMiB);  // no cached block fits: both 8 MiB blocks go (16 >= 12), then one map
  const auto s = large_block_stats();
  EXPECT_EQ(s.live_bytes, base + 12 * kMiB);
  EXPECT_EQ(s.cached_bytes, 0u);
  EXPECT_LE(s.live_bytes + s.cached_bytes, base + 16 * kMiB);
}

TEST_F(LargeBlocks, TheCacheKeepsAtMostCacheBytes) {
  LargeBlockOptions o;
  o.cache_bytes = 6 * kMiB;
  install_large_block_allocator(o);
  { auto a = floats(4 * kMiB), b = floats(4 * kMiB); }
  EXPECT_EQ(large_block_stats().cached_bytes, 4 * kMiB) << "the older block was unmapped";
  release_cached_large_blocks();
  EXPECT_EQ(large_block_stats().cached_bytes, 0u);
}

TEST_F(LargeBlocks, RawAllocationsOfBothSizesAreFreedByTheRawDeleter) {
  c10::Allocator* a = c10::GetCPUAllocator();
  const auto before = large_block_stats();
  void* small = a->raw_allocate(1000);
  void* large = a->raw_allocate(3 * kMiB);
  EXPECT_EQ(large_block_stats().live_bytes, before.live_bytes + 3 * kMiB);
  a->raw_deallocate(small);
  a->raw_deallocate(large);
  EXPECT_EQ(large_block_stats().live_bytes, before.live_bytes);
}

// A GEMM writing into mapped blocks, fresh and then reused, gives the float64 result.
TEST_F(LargeBlocks, GemmsIntoFreshAndReusedBlocksAreRight) {
  torch::manual_seed(0);
  auto x = torch::randn({1024, 64}), w = torch::randn({64, 1024});
  auto ref = torch::mm(x.to(torch::kFloat64), w.to(torch::kFloat64));
  const auto before = large_block_stats();
  for (int i = 0; i < 3; ++i) {
    auto y = torch::mm(x, w);  // 4 MiB
    EXPECT_TRUE(torch::allclose(y.to(torch::kFloat64), ref, 1e-5, 1e-4)) << "round " << i;
  }
  EXPECT_GE(large_block_stats().reuses, before.reuses + 2);
}

}  // namespace
}  // namespace glip
