/**
 * LibTorch's CPU allocator for large tensors (docs/benchmarks.md, "Heap"). glibc serves blocks above 32 MiB
 * with their own mmap and unmaps them on free, so every large tensor of a forward pass (GLIP-T's fusion
 * attention, DCN columns: hundreds of MB each) is faulted in again, one 4 KiB page at a time; on a VM each fault
 * is expensive, and GLIP-T's forward spent more time in the kernel than in its GEMMs.
 *
 * Once installed, each CPU tensor of at least `min_bytes` gets its own 2 MiB-aligned anonymous mapping marked
 * MADV_HUGEPAGE (transparent huge pages where the kernel allows them: one fault per 2 MiB), and a freed block is
 * kept for reuse: a request takes the smallest cached block at least as large, if that block is at most a
 * quarter larger (sizes are multiples of 64 KiB). On a miss, cached blocks (oldest first) worth the request are
 * unmapped before a new block is mapped, so live + cached never exceeds the peak of live bytes: the cache never
 * holds memory the process has not needed at once. At most `cache_bytes` stay cached after a free. Smaller
 * tensors go to the allocator LibTorch had. Memory is not zeroed (at::empty never promised it).
 */
#pragma once
#include <cstddef>
#include <cstdint>

namespace glip {

struct LargeBlockOptions {
  std::size_t min_bytes = std::size_t{2} << 20;    // tensors from this size on use the large-block path
  std::size_t cache_bytes = std::size_t{1} << 30;  // freed blocks kept for reuse, at most
};

struct LargeBlockStats {
  std::size_t live_bytes = 0;    // mapped and in use by tensors
  std::size_t cached_bytes = 0;  // mapped, free, kept for reuse
  std::size_t peak_bytes = 0;    // highest live + cached
  int64_t maps = 0;              // blocks mapped from the kernel
  int64_t reuses = 0;            // requests served from the cache
};

/**
 * Makes the large-block allocator LibTorch's CPU allocator (c10::SetAllocator). A second call only changes the
 * options. Not undone: tensors hold the allocator's deleter until they die.
 */
void install_large_block_allocator(const LargeBlockOptions& options = {});

/** Whether install_large_block_allocator() has run in this process. */
bool large_block_allocator_installed();

/** Counters of the large-block path (all zero before installation). */
LargeBlockStats large_block_stats();

/** Unmaps every cached (free) block; live blocks are untouched. */
void release_cached_large_blocks();

}  // namespace glip
