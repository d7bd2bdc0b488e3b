// Caption packing of the official CaptionTSV (data.pack_random_caption_number ...): the positive spans cover the
// same words after packing, the negatives are other samples' captions written as the official pack_caption
// writes them, the count follows the official draw, the packed caption respects model.max_query_len, and every
// draw is a function of the seed alone.
#include "glip/data/caption_packing.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "glip/text/tokenizer.h"
#include "glip/text/unicode.h"

namespace glip::data {
namespace {

// Code points [s, e) of a UTF-8 string.
std::u32string cps(const std::string& s, const Span& sp) {
  return text::utf8_decode(s).substr(static_cast<size_t>(sp[0]), static_cast<size_t>(sp[1] - sp[0]));
}

RecordSet pseudo_set() {
  RecordSet set;
  set.name = "pseudo";
  set.pack_captions = true;
  const std::vector<std::pair<std::string, std::vector<Span>>> caps = {
      {"a red star next to a blue ring", {{0, 10}, {21, 30}}},
      {"two green hearts.", {{0, 16}}},
      {"café crème on a table", {{0, 11}, {15, 21}}},  // non-ASCII: spans are code points
      {"a dog", {{2, 5}}},
      {"the left cat and the right cat", {{4, 12}, {21, 30}}},
      {"a striped yellow triangle above a small square", {{0, 25}, {32, 46}}},
  };
  for (size_t i = 0; i < caps.size(); ++i) {
    Record r;
    r.image_id = static_cast<int64_t>(i);
    r.caption = caps[i].first;
    for (const auto& sp : caps[i].second) {
      BoxAnnotation b;
      b.xyxy = {1, 1, 5, 5};
      b.spans = {sp};
      r.boxes.push_back(b);
    }
    set.records.push_back(r);
  }
  return set;
}

CaptionPackingOptions glip_l() {
  CaptionPackingOptions o;  // configs/pretrain/glip_l.yaml: DATASETS.PACK_RANDOM_CAPTION_NUMBER 20, ...
  o.pack_random_caption_number = 20;
  o.random_pack_prob = 0.5;
  o.no_random_pack_probability = 0.4;
  o.max_query_len = 256;
  return o;
}

// The caption as the official pack_caption writes the given order: each part, "." unless it ends with one, " ".
std::string written(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += p + (p.empty() || p.back() != '.' ? ". " : " ");
  return s;
}

TEST(CaptionPacking, SpansPointToTheSameWordsAndNegativesAreOtherCaptions) {
  const auto tok = text::make_tokenizer();
  const RecordSet set = pseudo_set();
  int packed = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    const size_t index = seed % set.records.size();
    Record r = set.records[index];
    const PackedCaption p = pack_record(r, index, set, *tok, glip_l(), seed);
    EXPECT_EQ(r.caption, p.caption);
    // Every box's spans cover the same code points as before packing.
    ASSERT_EQ(r.boxes.size(), set.records[index].boxes.size());
    for (size_t b = 0; b < r.boxes.size(); ++b) {
      for (size_t k = 0; k < r.boxes[b].spans.size(); ++k) {
        const Record& orig = set.records[index];
        EXPECT_EQ(cps(r.caption, r.boxes[b].spans[k]), cps(orig.caption, orig.boxes[b].spans[k]))
            << "seed " << seed << ": " << r.caption;
      }
    }
    if (p.negatives.empty()) {
      EXPECT_EQ(r.caption, set.records[index].caption);  // nothing packed: the caption is left as it is
      continue;
    }
    ++packed;
    // The negatives are captions of the other records, and the caption is exactly positive and negatives in the
    // packed order, the positive where positive_start says.
    std::vector<std::string> parts;
    bool positive_seen = false;
    for (size_t k = 0, n = 0; k <= p.negatives.size(); ++k) {
      if (!positive_seen && text::utf8_length(written(parts)) == p.positive_start) {
        parts.push_back(set.records[index].caption);
        positive_seen = true;
      } else {
        ASSERT_LT(n, p.negatives.size());
        const size_t j = p.negatives[n++];
        ASSERT_LT(j, set.records.size());
        EXPECT_NE(j, index) << "a sample is never its own negative";
        parts.push_back(set.records[j].caption);
      }
    }
    EXPECT_TRUE(positive_seen);
    EXPECT_EQ(r.caption, written(parts)) << "seed " << seed;
  }
  EXPECT_GT(packed, 100);
}

TEST(CaptionPacking, CountFollowsTheOfficialDraw) {
  // GLIP-L: 0 negatives with probability 0.4 + 0.6 x 0.5 x 1/20 = 0.415, all 20 with 0.6 x 0.5 = 0.3, each of
  // 1..19 with 0.6 x 0.5 / 20 = 0.015.
  std::map<int64_t, int> hist;
  const int n = 40000;
  for (uint64_t seed = 0; seed < static_cast<uint64_t>(n); ++seed) {
    PackingRng rng(seed * 0x9E3779B97F4A7C15ULL);
    ++hist[draw_pack_count(glip_l(), rng)];
  }
  EXPECT_NEAR(hist[0] / double(n), 0.415, 0.012);
  EXPECT_NEAR(hist[20] / double(n), 0.3, 0.012);
  for (int64_t k = 1; k < 20; ++k) EXPECT_NEAR(hist[k] / double(n), 0.015, 0.005) << k;
  EXPECT_EQ(hist.rbegin()->first, 20);
  // RANDOM_PACK_PROB <= 0 (official default -1): always the full number, whatever NO_RANDOM_PACK_PROBABILITY.
  CaptionPackingOptions o = glip_l();
  o.random_pack_prob = -1;
  PackingRng rng(5);
  for (int k = 0; k < 100; ++k) EXPECT_EQ(draw_pack_count(o, rng), 20);
  o.pack_random_caption_number = 0;  // the official default: off
  EXPECT_EQ(draw_pack_count(o, rng), 0);
}

TEST(CaptionPacking, SafeguardKeepsThePositiveWithinMaxQueryLen) {
  const auto tok = text::make_tokenizer();
  const std::string positive = "a red star next to a blue ring";                          // 8 tokens + [CLS]/[SEP] = 10
  const std::vector<std::string> negatives = {"one two three four five six seven eight",  // 10 with specials
                                              "alpha beta gamma", "a much longer caption with many words in it"};
  CaptionPackingOptions o;
  o.pack_random_caption_number = 3;
  for (const int64_t max_len : {10, 16, 26, 40, 256}) {
    o.max_query_len = max_len;
    for (uint64_t seed = 0; seed < 50; ++seed) {
      PackingRng rng(seed);
      const PackedCaption p = pack_caption(positive, negatives, *tok, o, rng);
      // The official budget: a negative of L tokens (with specials) is kept only while L < the tokens left.
      int64_t sum = 0;
      for (const size_t i : p.negatives) sum += static_cast<int64_t>(tok->encode(negatives[i], true).size());
      EXPECT_LT(sum, std::max<int64_t>(max_len - 10, 1)) << max_len;
      EXPECT_LE(static_cast<int64_t>(tok->encode(p.caption, true).size()), std::max<int64_t>(max_len, 11));
      EXPECT_EQ(cps(p.caption, {p.positive_start, p.positive_start + text::utf8_length(positive)}),
                text::utf8_decode(positive));
      if (max_len == 256) {
        EXPECT_EQ(p.negatives.size(), 3u);
      }
      if (max_len == 10) {
        EXPECT_TRUE(p.negatives.empty());
        EXPECT_EQ(p.caption, positive + ". ");  // negatives drawn but none fits: the positive alone, written
      }
    }
  }
  // Without the safeguard every negative is packed (the positive may then be truncated by the tokenizer).
  o.safeguard_positive_caption = false;
  o.max_query_len = 10;
  PackingRng rng(1);
  EXPECT_EQ(pack_caption(positive, negatives, *tok, o, rng).negatives.size(), 3u);
}

TEST(CaptionPacking, DeterministicForTheSeedAndOffByDefault) {
  const auto tok = text::make_tokenizer();
  const RecordSet set = pseudo_set();
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Record a = set.records[1], b = set.records[1];
    const PackedCaption pa = pack_record(a, 1, set, *tok, glip_l(), seed);
    const PackedCaption pb = pack_record(b, 1, set, *tok, glip_l(), seed);
    EXPECT_EQ(pa.caption, pb.caption);
    EXPECT_EQ(pa.negatives, pb.negatives);
    EXPECT_EQ(a.boxes[0].spans, b.boxes[0].spans);
    seen.insert(pa.caption);
  }
  EXPECT_GT(seen.size(), 5u);  // different seeds pack differently
  // Defaults (the official DATASETS defaults): no packing.
  const CaptionPackingOptions off;
  EXPECT_FALSE(off.enabled());
  Record r = set.records[0];
  const PackedCaption p = pack_record(r, 0, set, *tok, off, 3);
  EXPECT_EQ(r.caption, set.records[0].caption);
  EXPECT_EQ(r.boxes[1].spans, set.records[0].boxes[1].spans);
  EXPECT_TRUE(p.negatives.empty());
  // A set of one record has no other caption to pack.
  RecordSet one;
  one.records = {set.records[0]};
  Record s = one.records[0];
  EXPECT_TRUE(pack_record(s, 0, one, *tok, glip_l(), 3).negatives.empty());
  EXPECT_EQ(s.caption, one.records[0].caption);
}

}  // namespace
}  // namespace glip::data
