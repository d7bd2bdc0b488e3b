/**
 * LibTorch's CPU allocator for large tensors (docs/benchmarks.md, "Heap"). glibc serves blocks above 32 MiB
 * with their own mmap and unmaps them on free, so every large tensor of a forward pass (GLIP-T's fusion
 * attention, DCN columns: hundreds of MB each) is faulted in again, one 4 KiB page at a time; on a VM each fault
 * is expensive, and GLIP-T's forward spent more time in the kernel than in its GEMMs.
 *
 * Once installed, each CPU tensor of at least `min_bytes` gets its own 2 MiB-aligned anonymous mapping marked
 * MADV_HUGEPAGE (transparent huge pages where the kernel allows them: one fault per 2 MiB), and a freed block is
 * kept for reuse, so that its pages are not faulted in (and zeroed by the kernel) again:
 * - a request takes the smallest cached block at least as large (sizes are multiples of 64 KiB); when that block
 *   is more than a quarter larger, it is split at the 2 MiB boundary after the request and its tail stays cached
 *   (a tail under `min_bytes` is unmapped);
 * - when no cached block is large enough, a new block is mapped and the cached blocks, largest first, are moved
 *   into it with mremap (the last one split if it is larger than what is left): their pages come along, and only
 *   what the cache cannot cover is faulted in fresh. Nothing cached is unmapped, and live + cached never exceeds
 *   the peak of live bytes: the cache never holds memory the process has not needed at once.
 * At most `cache_bytes` stay cached after a free (the oldest go first). Smaller tensors go to the allocator
 * LibTorch had. Memory is not zeroed (at::empty never promised it).
 */
#pragma once
#include <cstddef>
#include <cstdint>

namespace glip {

struct LargeBlockOptions {
  std::size_t min_bytes = std::size_t{2} << 20;  // tensors from this size on use the large-block path
  std::size_t cache_bytes = SIZE_MAX;            // freed blocks kept for reuse, at most (never more than the live peak)
};

struct LargeBlockStats {
  std::size_t live_bytes = 0;    // mapped and in use by tensors
  std::size_t cached_bytes = 0;  // mapped, free, kept for reuse
  std::size_t peak_bytes = 0;    // highest live + cached
  int64_t maps = 0;              // blocks mapped from the kernel
  int64_t reuses = 0;            // requests served by a cached block at least as large (whole or split)
  int64_t gathers = 0;           // requests served by moving cached blocks into a new one
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
