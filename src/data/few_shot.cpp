// Official DATASETS.FEW_SHOT / SHUFFLE_SEED image selection (coco.py COCODataset, modulated_coco.py CocoGrounding).
#include "glip/data/few_shot.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/formats/detection_json.h"

namespace glip::data {
namespace {

// CPython's Modules/_randommodule.c: MT19937 with init_by_array seeding.
class PythonRandom {
 public:
  explicit PythonRandom(uint64_t seed) {
    // random_seed(): abs(seed) split into 32-bit words, least significant first; at least one word.
    std::vector<uint32_t> key{static_cast<uint32_t>(seed & 0xffffffffu)};
    if (seed >> 32) key.push_back(static_cast<uint32_t>(seed >> 32));
    init_by_array(key);
  }

  uint32_t genrand_uint32() {
    static constexpr uint32_t kMag01[2] = {0x0u, 0x9908b0dfu};
    if (mti_ >= kN) {
      int kk = 0;
      for (; kk < kN - kM; ++kk) {
        const uint32_t y = (mt_[kk] & kUpper) | (mt_[kk + 1] & kLower);
        mt_[kk] = mt_[kk + kM] ^ (y >> 1) ^ kMag01[y & 0x1u];
      }
      for (; kk < kN - 1; ++kk) {
        const uint32_t y = (mt_[kk] & kUpper) | (mt_[kk + 1] & kLower);
        mt_[kk] = mt_[kk + (kM - kN)] ^ (y >> 1) ^ kMag01[y & 0x1u];
      }
      const uint32_t y = (mt_[kN - 1] & kUpper) | (mt_[0] & kLower);
      mt_[kN - 1] = mt_[kM - 1] ^ (y >> 1) ^ kMag01[y & 0x1u];
      mti_ = 0;
    }
    uint32_t y = mt_[static_cast<size_t>(mti_++)];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
  }

  // Random._randbelow_with_getrandbits(n) for 0 < n < 2^32: k = n.bit_length(), getrandbits(k) until < n.
  uint32_t randbelow(uint32_t n) {
    int k = 0;
    while (k < 32 && (n >> k) != 0) ++k;
    uint32_t r;
    do r = genrand_uint32() >> (32 - k);
    while (r >= n);
    return r;
  }

 private:
  static constexpr int kN = 624, kM = 397;
  static constexpr uint32_t kUpper = 0x80000000u, kLower = 0x7fffffffu;

  void init_genrand(uint32_t s) {
    mt_[0] = s;
    for (mti_ = 1; mti_ < kN; ++mti_) {
      const auto i = static_cast<size_t>(mti_);
      mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(mti_);
    }
  }

  void init_by_array(const std::vector<uint32_t>& key) {
    init_genrand(19650218u);
    size_t i = 1, j = 0;
    for (size_t k = std::max<size_t>(kN, key.size()); k; --k) {
      mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525u)) + key[j] + static_cast<uint32_t>(j);
      ++i, ++j;
      if (i >= kN) mt_[0] = mt_[kN - 1], i = 1;
      if (j >= key.size()) j = 0;
    }
    for (size_t k = kN - 1; k; --k) {
      mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941u)) - static_cast<uint32_t>(i);
      ++i;
      if (i >= kN) mt_[0] = mt_[kN - 1], i = 1;
    }
    mt_[0] = 0x80000000u;
  }

  std::array<uint32_t, kN> mt_{};
  int mti_ = kN + 1;
};

// has_valid_annotation (coco.py) without keypoints: some box with width and height both above 1 pixel.
bool any_box_above_one_pixel(const std::vector<std::array<double, 2>>& sizes) {
  return std::any_of(sizes.begin(), sizes.end(), [](const auto& wh) { return wh[0] > 1 && wh[1] > 1; });
}

}  // namespace

void python_shuffle(std::vector<int64_t>& items, uint64_t seed) {
  GLIP_CHECK_INPUT(items.size() < (uint64_t{1} << 32), "python_shuffle: ", items.size(), " items (at most 2^32 - 1)");
  PythonRandom rng(seed);
  for (size_t i = items.size(); i-- > 1;) std::swap(items[i], items[rng.randbelow(static_cast<uint32_t>(i + 1))]);
}

std::vector<int64_t> select_few_shot(const std::vector<FewShotImage>& images, int64_t k, uint64_t shuffle_seed) {
  GLIP_CHECK_INPUT(k >= 1, "few_shot must be a positive number of shots per category (0 turns it off), got ", k);
  std::map<int64_t, const FewShotImage*> by_id;  // sorted(self.ids), then the has_valid_annotation filter
  for (const auto& im : images) {
    GLIP_CHECK_INPUT(by_id.emplace(im.image_id, &im).second, "few_shot: duplicate image id ", im.image_id);
  }
  std::vector<int64_t> order;
  for (const auto& [id, im] : by_id)
    if (im->valid) order.push_back(id);
  if (shuffle_seed != 0) python_shuffle(order, shuffle_seed);
  std::map<int64_t, int64_t> left;  // cats_freq: shots still wanted per category
  std::vector<int64_t> kept;
  for (const int64_t id : order) {
    const auto& cats = by_id.at(id)->category_ids;
    const std::set<int64_t> cat(cats.begin(), cats.end());  // image-level: each category counts once
    bool needed = false;
    for (const int64_t c : cat) needed |= left.emplace(c, k).first->second > 0;
    if (!needed) continue;
    kept.push_back(id);
    for (const int64_t c : cat) --left[c];
  }
  return kept;
}

std::vector<FewShotImage> few_shot_images(const formats::GroundTruth& gt) {
  std::map<int64_t, size_t> index;
  std::vector<FewShotImage> out;
  for (const auto& im : gt.images) {
    index.emplace(im.id, out.size());
    out.push_back({im.id, {}, false});
  }
  std::vector<std::vector<std::array<double, 2>>> sizes(out.size());
  for (const auto& a : gt.annotations) {
    const auto it = index.find(a.image_id);
    if (it == index.end()) continue;  // the reader has already refused such a file
    out[it->second].category_ids.push_back(a.category_id);
    sizes[it->second].push_back({a.bbox.w, a.bbox.h});
  }
  for (size_t i = 0; i < out.size(); ++i) out[i].valid = any_box_above_one_pixel(sizes[i]);
  return out;
}

std::vector<FewShotImage> few_shot_images(const RecordSet& set) {
  std::vector<FewShotImage> out;
  for (const auto& r : set.records) {
    FewShotImage im{r.image_id, {}, false};
    std::vector<std::array<double, 2>> sizes;
    for (const auto& b : r.boxes) {
      im.category_ids.push_back(b.category_id);
      sizes.push_back({static_cast<double>(b.xyxy[2]) - b.xyxy[0], static_cast<double>(b.xyxy[3]) - b.xyxy[1]});
    }
    im.valid = any_box_above_one_pixel(sizes);
    out.push_back(std::move(im));
  }
  return out;
}

void apply_few_shot(RecordSet& set, const std::vector<FewShotImage>& images, int64_t k, uint64_t shuffle_seed,
                    const std::string& what) {
  std::vector<int64_t> kept_ids;
  try {
    kept_ids = select_few_shot(images, k, shuffle_seed);
  } catch (const InputError& e) {
    throw InputError(str_cat(what, ": ", e.what()));
  }
  const std::set<int64_t> kept(kept_ids.begin(), kept_ids.end());
  const size_t before = set.records.size();
  std::vector<Record> records;
  std::map<int64_t, int64_t> shots;  // kept images per category
  for (auto& r : set.records) {
    if (!kept.count(r.image_id)) continue;
    std::set<int64_t> cats;
    for (const auto& b : r.boxes) cats.insert(b.category_id);
    for (const int64_t c : cats) ++shots[c];
    records.push_back(std::move(r));
  }
  set.records = std::move(records);
  GLIP_LOG_INFO("[data] {}: few_shot {} (shuffle_seed {}): {} of {} images kept", what, k, shuffle_seed,
                set.records.size(), before);
  std::vector<std::string> short_of;
  for (const auto& c : set.categories)
    if (shots[c.id] < k) short_of.push_back(str_cat(c.name, " (", shots[c.id], ")"));
  if (!short_of.empty())
    GLIP_LOG_WARN(
        "[data] {}: {} of {} categories are in fewer than {} kept images (the dataset has no more), "
        "e.g. {}",
        what, short_of.size(), set.categories.size(), k, short_of.front());
}

}  // namespace glip::data
