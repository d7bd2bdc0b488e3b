#include "glip/core/host_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>
#include <torch/version.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>

// LibTorch 2.3 made Allocator::allocate non-const and added the pure virtual copy_data.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define GLIP_ALLOCATOR_2_3 1
#define GLIP_ALLOCATE_CONST
#else
#define GLIP_ALLOCATOR_2_3 0
#define GLIP_ALLOCATE_CONST const
#endif

namespace glip {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kGranule = std::size_t{64} << 10;  // block sizes are multiples of this

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// A 2 MiB-aligned anonymous mapping of `size` bytes (a multiple of the page size), marked for transparent huge
// pages: its whole 2 MiB extents can be huge pages, a shorter tail has 4 KiB pages.
void* map_block(std::size_t size) {
  const std::size_t span = size + kHugePage;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto base = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = round_up(base, kHugePage);
  if (aligned > base) munmap(raw, aligned - base);
  const std::uintptr_t tail = base + span - (aligned + size);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
  void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  madvise(p, size, MADV_HUGEPAGE);  // advice only: refused where THP is off, and then 4 KiB pages serve
#endif
  return p;
}

// Moves the pages of [from, from + len) to `to` (replacing what is mapped there; all three 2 MiB-aligned): mremap
// moves the page tables, huge pages included, so the pages already faulted in come along and are not faulted in
// (and zeroed) again. mremap moves one mapping at a time, and a block gathered from several moved pieces is several
// mappings (their borders on 2 MiB boundaries): a range the kernel refuses is moved in halves. A 2 MiB piece that
// still cannot move is unmapped (its part of `to` stays fresh).
void move_pages(char* from, std::size_t len, char* to) {
  if (mremap(from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to) != MAP_FAILED) return;
  if (len <= kHugePage) {
    munmap(from, len);
    return;
  }
  const std::size_t half = std::max(len / 2 / kHugePage, std::size_t{1}) * kHugePage;
  move_pages(from, half, to);
  move_pages(from + half, len - half, to + half);
}

struct Cached {
  void* ptr;
  uint64_t freed_at;  // order of frees: the oldest is unmapped first when the cache is full
};

class LargeBlockAllocator final : public c10::Allocator {
 public:
  explicit LargeBlockAllocator(c10::Allocator* small) : small_(small) {}

  c10::DataPtr allocate(std::size_t n) GLIP_ALLOCATE_CONST override {
    if (n < min_bytes_.load(std::memory_order_relaxed)) return small_->allocate(n);
    TORCH_CHECK(n <= std::numeric_limits<std::size_t>::max() / 2, "glip large-block allocator: cannot allocate ", n,
                " bytes");
    const std::size_t size = round_up(n, kGranule);
    void* p = take(size);
    TORCH_CHECK(p != nullptr, "glip large-block allocator: out of memory mapping ", size, " bytes");
    return {p, p, &free_any, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &free_any; }

#if GLIP_ALLOCATOR_2_3
  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
#endif

  static LargeBlockAllocator& instance() {
    static auto* a = new LargeBlockAllocator(c10::GetCPUAllocator());  // never destroyed: tensors outlive main
    return *a;
  }

  void set_options(const LargeBlockOptions& o) {
    std::lock_guard<std::mutex> lock(mu_);
    opts_ = o;
    min_bytes_.store(o.min_bytes, std::memory_order_relaxed);
    evict_locked(o.cache_bytes);
  }
  LargeBlockStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }
  void release_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    evict_locked(0);
  }

 private:
  // Frees a block of either path: raw_deleter() must handle pointers from the small allocator's raw_allocate.
  static void free_any(void* p) {
    auto& a = instance();
    if (!a.give_back(p)) a.small_->raw_deleter()(p);
  }

  void* take(std::size_t size) const {
    std::lock_guard<std::mutex> lock(mu_);
    // The smallest cached block at least as large: its pages are already faulted in. A block much larger than the
    // request is split at the next 2 MiB boundary and its tail stays cached (or is unmapped when below min_bytes).
    auto it = cache_.lower_bound(size);
    if (it != cache_.end()) {
      auto* p = static_cast<char*>(it->second.ptr);
      std::size_t have = it->first;
      const uint64_t freed_at = it->second.freed_at;
      stats_.cached_bytes -= have;
      cache_.erase(it);
      const std::size_t cut = round_up(size, kHugePage);
      if (have - size > have / 4 && cut < have) {
        put_back(p + cut, have - cut, freed_at);
        have = cut;
      }
      ++stats_.reuses;
      return mark_live(p, have);
    }
    // None is large enough: a new block is mapped and the cached blocks (largest first) are moved into it until it
    // is full, the last one split if it is larger than what is left. Only what the cache cannot cover is faulted
    // in fresh, and only when the cache is empty, so live + cached never exceeds the peak of live bytes.
    void* p = map_block(size);
    if (p == nullptr) {  // the cache may hold the memory the kernel refused: give it back and try once more
      evict_locked(0);
      p = map_block(size);
      if (p == nullptr) return nullptr;
    }
    // Whole 2 MiB extents only, between 2 MiB-aligned addresses: the kernel then moves huge pages as they are (a
    // move at any other offset splits them into 4 KiB pages, and the TLB misses of 4 KiB pages made GLIP-T's
    // forward 3x slower on this VM). Blocks start 2 MiB-aligned; a tail under 2 MiB is left behind (and unmapped).
    std::size_t filled = 0;
    while (size - filled >= kHugePage && !cache_.empty()) {
      auto largest = std::prev(cache_.end());
      auto* from = static_cast<char*>(largest->second.ptr);
      const std::size_t have = largest->first;
      const std::size_t use = std::min(have, size - filled) / kHugePage * kHugePage;
      if (use == 0) break;  // the largest is under 2 MiB: so is every other
      const uint64_t freed_at = largest->second.freed_at;
      stats_.cached_bytes -= have;
      cache_.erase(largest);
      if (use < have) put_back(from + use, have - use, freed_at);
      move_pages(from, use, static_cast<char*>(p) + filled);
      filled += use;
    }
#ifdef MADV_HUGEPAGE
    madvise(p, size, MADV_HUGEPAGE);
#endif
    ++(filled > 0 ? stats_.gathers : stats_.maps);
    return mark_live(p, size);
  }

  void* mark_live(void* p, std::size_t size) const {
    live_[p] = size;
    stats_.live_bytes += size;
    stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.live_bytes + stats_.cached_bytes);
    return p;
  }

  // A split-off tail: cached when it could serve a large request, unmapped otherwise.
  void put_back(char* p, std::size_t size, uint64_t freed_at) const {
    if (size < min_bytes_.load(std::memory_order_relaxed)) {
      munmap(p, size);
      return;
    }
    cache_.emplace(size, Cached{p, freed_at});
    stats_.cached_bytes += size;
  }

  bool give_back(void* p) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(p);
    if (it == live_.end()) return false;
    const std::size_t size = it->second;
    live_.erase(it);
    stats_.live_bytes -= size;
    cache_.emplace(size, Cached{p, ++frees_});
    stats_.cached_bytes += size;
    evict_locked(opts_.cache_bytes);
    return true;
  }

  // Unmaps the oldest cached blocks until at most `keep` bytes stay cached.
  void evict_locked(std::size_t keep) const {
    while (stats_.cached_bytes > keep && !cache_.empty()) {
      auto oldest = cache_.begin();
      for (auto it = cache_.begin(); it != cache_.end(); ++it)
        if (it->second.freed_at < oldest->second.freed_at) oldest = it;
      munmap(oldest->second.ptr, oldest->first);
      stats_.cached_bytes -= oldest->first;
      cache_.erase(oldest);
    }
  }

  c10::Allocator* small_;
  std::atomic<std::size_t> min_bytes_{LargeBlockOptions{}.min_bytes};  // read without the lock on every allocation
  mutable std::mutex mu_;
  mutable LargeBlockOptions opts_;
  mutable std::unordered_map<void*, std::size_t> live_;
  mutable std::multimap<std::size_t, Cached> cache_;
  mutable LargeBlockStats stats_;
  mutable uint64_t frees_ = 0;
};

std::once_flag g_installed;
bool g_is_installed = false;

}  // namespace

void install_large_block_allocator(const LargeBlockOptions& options) {
  auto& a = LargeBlockAllocator::instance();
  a.set_options(options);
  std::call_once(g_installed, [&] {
    c10::SetAllocator(c10::DeviceType::CPU, &a, /*priority=*/1);  // above LibTorch's own registration (0)
    g_is_installed = true;
  });
}

bool large_block_allocator_installed() { return g_is_installed; }

LargeBlockStats large_block_stats() {
  return g_is_installed ? LargeBlockAllocator::instance().stats() : LargeBlockStats{};
}

void release_cached_large_blocks() {
  if (g_is_installed) LargeBlockAllocator::instance().release_cache();
}

}  // namespace glip
