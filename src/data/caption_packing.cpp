#include "glip/data/caption_packing.h"

#include <numeric>

#include "glip/core/error.h"
#include "glip/data/schedule.h"
#include "glip/text/unicode.h"

namespace glip::data {

double PackingRng::uniform() {
  state_ += 0x9E3779B97F4A7C15ULL;
  return static_cast<double>(splitmix64(state_) >> 11) * 0x1.0p-53;
}

uint64_t PackingRng::below(uint64_t n) {
  GLIP_CHECK(n > 0, "PackingRng::below(0)");
  const uint64_t limit = ~uint64_t(0) - (~uint64_t(0) % n);
  for (;;) {
    state_ += 0x9E3779B97F4A7C15ULL;
    const uint64_t r = splitmix64(state_);
    if (r < limit) return r % n;
  }
}

int64_t draw_pack_count(const CaptionPackingOptions& o, PackingRng& rng) {
  const int64_t n = o.pack_random_caption_number;
  if (n <= 0) return 0;
  // caption.py: build.py passes RANDOM_PACK_PROB only when > 0 (else the default -1: always N).
  if (o.random_pack_prob <= 0) return n;
  if (rng.uniform() < o.no_random_pack_probability) return 0;
  if (rng.uniform() < o.random_pack_prob) return n;
  return static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));  // np.random.choice(N): [0, N)
}

PackedCaption pack_caption(const std::string& positive, const std::vector<std::string>& negatives,
                           const text::Tokenizer& tok, const CaptionPackingOptions& o, PackingRng& rng) {
  PackedCaption out;
  if (negatives.empty()) {
    out.caption = positive;
    return out;
  }
  std::vector<size_t> chosen;
  if (o.safeguard_positive_caption) {
    // Token counts with [CLS]/[SEP], as the official tokenizer(caption).input_ids.
    const auto length = [&](const std::string& c) { return static_cast<int64_t>(tok.encode(c, true).size()); };
    int64_t budget = o.max_query_len - length(positive);
    std::vector<size_t> order(negatives.size());
    std::iota(order.begin(), order.end(), size_t{0});
    rng.shuffle(order);
    for (const size_t i : order) {
      const int64_t len = length(negatives[i]);
      if (len < budget) {
        chosen.push_back(i);
        budget -= len;
      }
    }
  } else {
    chosen.resize(negatives.size());
    std::iota(chosen.begin(), chosen.end(), size_t{0});
  }
  // [positive] + kept negatives, shuffled; -1 stands for the positive.
  std::vector<int64_t> list{-1};
  for (const size_t i : chosen) list.push_back(static_cast<int64_t>(i));
  rng.shuffle(list);
  int64_t cps = 0;
  for (const int64_t item : list) {
    const std::string& c = item < 0 ? positive : negatives[static_cast<size_t>(item)];
    if (item < 0) out.positive_start = cps;
    else out.negatives.push_back(static_cast<size_t>(item));
    out.caption += c;
    cps += text::utf8_length(c);
    if (c.empty() || c.back() != '.') {
      out.caption += '.';
      ++cps;
    }
    out.caption += ' ';
    ++cps;
  }
  return out;
}

PackedCaption pack_record(Record& r, size_t index, const RecordSet& set, const text::Tokenizer& tok,
                          const CaptionPackingOptions& o, uint64_t seed) {
  PackingRng rng(seed);
  const int64_t count = draw_pack_count(o, rng);
  const size_t n = set.records.size();
  std::vector<std::string> negatives;
  std::vector<size_t> source;
  for (int64_t k = 0; k < count && n > 1; ++k) {
    size_t j = static_cast<size_t>(rng.below(n - 1));  // another record of the set
    if (j >= index) ++j;
    negatives.push_back(set.records[j].caption);
    source.push_back(j);
  }
  PackedCaption p = pack_caption(r.caption, negatives, tok, o, rng);
  for (auto& i : p.negatives) i = source[i];
  r.caption = p.caption;
  if (p.positive_start != 0) {
    for (auto& b : r.boxes)
      for (auto& s : b.spans) s[0] += p.positive_start, s[1] += p.positive_start;
    for (auto& s : r.ignored_spans) s[0] += p.positive_start, s[1] += p.positive_start;
  }
  return p;
}

}  // namespace glip::data
