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

TEST_F(LargeBlocks, SmallTensorsGoToTheOtherAllocator) {
  const auto before = large_block_stats();
  auto small = floats(64 * 1024);  // below min_bytes: the allocator LibTorch had
  EXPECT_EQ(large_block_stats().live_bytes, before.live_bytes);
  EXPECT_EQ(large_block_stats().maps, before.maps);
}

// A much smaller request takes the front of a cached block, cut at a 2 MiB boundary; the tail stays cached and
// serves the next request. No block is mapped.
TEST_F(LargeBlocks, AMuchLargerCachedBlockIsSplitAndItsTailKept) {
  void* whole = nullptr;
  {
    auto t = floats(16 * kMiB);
    whole = t.data_ptr();
  }
  const auto before = large_block_stats();
  auto front = floats(5 * kMiB);  // more than a quarter smaller: split at 6 MiB
  EXPECT_EQ(front.data_ptr(), whole);
  auto s = large_block_stats();
  EXPECT_EQ(s.live_bytes, before.live_bytes + 6 * kMiB);
  EXPECT_EQ(s.cached_bytes, 10 * kMiB);
  auto tail = floats(10 * kMiB);
  EXPECT_EQ(tail.data_ptr(), static_cast<char*>(whole) + 6 * kMiB);
  front.fill_(1.f);
  tail.fill_(2.f);  // the two pieces do not overlap
  EXPECT_EQ(front.sum().item<double>(), static_cast<double>(front.numel()));
  s = large_block_stats();
  EXPECT_EQ(s.cached_bytes, 0u);
  EXPECT_EQ(s.maps, before.maps);
  EXPECT_EQ(s.reuses, before.reuses + 2);
}

TEST_F(LargeBlocks, ASplitTailBelowMinBytesIsUnmapped) {
  { auto t = floats(8 * kMiB); }
  LargeBlockOptions o;
  o.min_bytes = 4 * kMiB;
  install_large_block_allocator(o);
  auto front = floats(5 * kMiB);  // cut at 6 MiB: the 2 MiB tail is under min_bytes
  EXPECT_EQ(large_block_stats().cached_bytes, 0u);
}

// On a miss, the cached blocks move into the new one (largest first, the last one split): nothing is unmapped, and
// live + cached stays at the peak of live bytes.
TEST_F(LargeBlocks, AMissGathersTheCachedBlocksAndMappedMemoryDoesNotGrowPastTheLivePeak) {
  const auto base = large_block_stats().live_bytes;
  { auto a = floats(8 * kMiB), b = floats(6 * kMiB); }
  EXPECT_EQ(large_block_stats().cached_bytes, 14 * kMiB);
  const auto before = large_block_stats();
  auto c = floats(12 * kMiB);  // no cached block fits: all 8 MiB, then 4 of the 6 MiB block move in
  const auto s = large_block_stats();
  EXPECT_EQ(s.live_bytes, base + 12 * kMiB);
  EXPECT_EQ(s.cached_bytes, 2 * kMiB) << "the rest of the split block stays cached";
  EXPECT_EQ(s.maps, before.maps);
  EXPECT_EQ(s.gathers, before.gathers + 1);
  EXPECT_LE(s.live_bytes + s.cached_bytes, base + 14 * kMiB);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(c.data_ptr()) % (2 * kMiB), 0u);
  c.fill_(3.f);  // the whole gathered block is writable
  EXPECT_EQ(c.sum().item<double>(), 3.0 * static_cast<double>(c.numel()));
  auto d = floats(20 * kMiB);  // 2 MiB cached, the other 18 MiB fresh
  EXPECT_EQ(large_block_stats().cached_bytes, 0u);
  d.fill_(1.f);
  EXPECT_EQ(d.sum().item<double>(), static_cast<double>(d.numel()));
}

// A gathered block is several mappings; gathered again, it still moves whole (in pieces).
TEST_F(LargeBlocks, AGatheredBlockCanBeGatheredAgain) {
  {
    auto a = floats(4 * kMiB), b = floats(2 * kMiB);
    a.fill_(1.f);
    b.fill_(2.f);
  }
  { auto c = floats(6 * kMiB); }  // two pieces moved into one block, then cached
  auto d = floats(8 * kMiB);      // the 6 MiB block moves again, 2 MiB fresh
  EXPECT_EQ(d.narrow(0, 0, 6 * kMiB / sizeof(float)).min().item<float>(), 1.f);
  EXPECT_EQ(d.narrow(0, 0, 6 * kMiB / sizeof(float)).max().item<float>(), 2.f);
  EXPECT_EQ(large_block_stats().cached_bytes, 0u);
}

// Moved pages keep their contents (the allocator never promised any; this checks that the move is a move).
TEST_F(LargeBlocks, GatheredPagesAreTheCachedOnes) {
  void* first = nullptr;
  {
    auto a = floats(4 * kMiB);
    a.fill_(7.f);
    first = a.data_ptr();
  }
  auto b = floats(6 * kMiB);
  EXPECT_NE(b.data_ptr(), first);
  EXPECT_EQ(b.narrow(0, 0, 4 * kMiB / sizeof(float)).min().item<float>(), 7.f);
  EXPECT_EQ(b.narrow(0, 4 * kMiB / sizeof(float), 2 * kMiB / sizeof(float)).abs().max().item<float>(), 0.f)
      << "the fresh rest is zero pages";
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
