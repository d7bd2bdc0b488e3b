/**
 * Caption packing of the official pseudo-labelled caption data (CaptionTSV.pack_caption and its caller in
 * maskrcnn_benchmark/data/datasets/caption.py; DATASETS.PACK_RANDOM_CAPTION_NUMBER, RANDOM_PACK_PROB,
 * NO_RANDOM_PACK_PROBABILITY, SAFEGUARD_POSITIVE_CAPTION): each training caption is joined with up to N captions
 * of other samples of the same dataset, which act as negatives (their words ground no box). GLIP-L packs 0-20.
 *
 * Per sample, as the official code draws them:
 *   1. the number of negatives: with random_pack_prob > 0 it is 0 with probability no_random_pack_probability,
 *      else N with probability random_pack_prob, else uniform in [0, N); with random_pack_prob <= 0 (the official
 *      -1) always N;
 *   2. that many captions of uniformly drawn records of the dataset (the official draw may pick the sample itself;
 *      glip draws among the other records, so a "negative" never repeats the positive's own words);
 *   3. with safeguard_positive_caption, the negatives in a random order, each kept while its token count
 *      (with [CLS]/[SEP]) is below the budget max_query_len - tokens of the positive, which it then reduces: the
 *      positive always fits in max_query_len; without it every negative is kept (the positive may be truncated);
 *   4. positive and kept negatives shuffled and written in that order, each followed by "." (unless it already
 *      ends with one) and " "; no negative drawn: the caption is left as it is.
 * The positive's spans move by the code points written before it, so they cover the same words.
 *
 * The draws come from a SplitMix64 stream seeded by the caller (glip: from the seed and the stream position of
 * the sample), so a packed caption is a pure function of (seed, position): the same on resume, for any number
 * of loader threads, and across platforms.
 */
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "glip/data/record.h"
#include "glip/text/tokenizer.h"

namespace glip::data {

struct CaptionPackingOptions {
  int64_t pack_random_caption_number = 0;   ///< DATASETS.PACK_RANDOM_CAPTION_NUMBER (0: no packing)
  double random_pack_prob = -1.0;           ///< DATASETS.RANDOM_PACK_PROB (<= 0: always N negatives)
  double no_random_pack_probability = 0.0;  ///< DATASETS.NO_RANDOM_PACK_PROBABILITY
  bool safeguard_positive_caption = true;   ///< DATASETS.SAFEGUARD_POSITIVE_CAPTION
  int64_t max_query_len = 256;              ///< MODEL.LANGUAGE_BACKBONE.MAX_QUERY_LEN
  bool enabled() const { return pack_random_caption_number > 0; }
};

/** Platform-independent draws (SplitMix64) for the packing decisions. */
class PackingRng {
 public:
  explicit PackingRng(uint64_t seed) : state_(seed) {}
  double uniform();            ///< [0, 1), 53 bits (Python's random.random())
  uint64_t below(uint64_t n);  ///< unbiased in [0, n), n > 0
  /** Fisher-Yates from the back, as Python's random.shuffle. */
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(below(i))]);
  }

 private:
  uint64_t state_;
};

/** Step 1: the number of negatives to draw for one sample. */
int64_t draw_pack_count(const CaptionPackingOptions& opts, PackingRng& rng);

/** A packed caption. */
struct PackedCaption {
  std::string caption;
  int64_t positive_start = 0;     ///< code point where the positive caption starts (its spans move by this)
  std::vector<size_t> negatives;  ///< the packed negatives (indices into the list given), in caption order
};

/** Steps 3 and 4 for a positive caption and the drawn negatives; `tok` counts the tokens (with specials). */
PackedCaption pack_caption(const std::string& positive, const std::vector<std::string>& negatives,
                           const text::Tokenizer& tok, const CaptionPackingOptions& opts, PackingRng& rng);

/**
 * The whole packing of record `index` of `set` (a grounding record): draws the count and the negatives among the
 * other records of `set`, packs, and rewrites `r.caption` and the spans of `r.boxes`. Returns the packed caption
 * with `negatives` as record indices of `set`. `seed` fixes every draw.
 */
PackedCaption pack_record(Record& r, size_t index, const RecordSet& set, const text::Tokenizer& tok,
                          const CaptionPackingOptions& opts, uint64_t seed);

}  // namespace glip::data
