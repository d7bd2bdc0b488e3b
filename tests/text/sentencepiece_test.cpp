// SentencePiece backend: train a tiny model from captions, load it through the config, check spans.
#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/text/sentencepiece.h"
#include "glip/text/text_batch.h"
#include "glip/text/unicode.h"

namespace glip::text {
namespace {

std::vector<std::string> captions() {
  const char* colours[] = {"red", "green", "blue", "yellow", "purple", "orange"};
  const char* shapes[] = {"star", "ring", "heart", "circle", "square", "triangle"};
  const char* rel[] = {"next to", "left of", "right of", "above", "below"};
  std::vector<std::string> out;
  for (int i = 0; i < 300; ++i)
    out.push_back(std::string("a ") + colours[i % 6] + " " + shapes[(i / 6) % 6] + " " + rel[i % 5] + " a " +
                  colours[(i / 3) % 6] + " " + shapes[(i / 2) % 6] + " café");
  return out;
}

TEST(SentencePiece, TrainLoadEncodeWithCodePointSpans) {
  if (!sentencepiece_available()) GTEST_SKIP() << "SentencePiece cannot be loaded in an AddressSanitizer build";
  const std::string model = test::temp_dir("spm") + "/tiny.model";
  SentencePieceTrainOptions opts;
  opts.vocab_size = 40;
  SentencePieceTokenizer::train(captions(), model, opts);
  TokenizerConfig cfg;
  cfg.type = "sentencepiece";
  cfg.spm_model = model;
  const auto tok = make_tokenizer(cfg);
  EXPECT_EQ(tok->vocab_size(), 40);
  EXPECT_EQ(tok->pad_id(), 0);
  const std::string text = "A Red star next to a blue café";
  const Encoding e = tok->encode(text);
  ASSERT_GE(e.size(), 4u);
  EXPECT_EQ(e.ids.front(), 2);  // bos
  EXPECT_EQ(e.ids.back(), 3);   // eos
  const std::u32string cps = utf8_decode(text);
  // Every non-special piece spans non-space text, in order, and the pieces cover every word character.
  int64_t last_end = 0, covered = 0;
  for (size_t t = 1; t + 1 < e.size(); ++t) {
    const auto [s, en] = e.offsets[t];
    if (s == en) continue;
    EXPECT_GE(s, last_end);
    EXPECT_FALSE(is_whitespace(cps[static_cast<size_t>(s)]));
    covered += en - s;
    last_end = en;
  }
  int64_t non_space = 0;
  for (char32_t c : cps) non_space += !is_whitespace(c);
  EXPECT_EQ(covered, non_space);
  EXPECT_EQ(last_end, static_cast<int64_t>(cps.size()));  // "café" ends at code point 30, not byte 31
  // char_to_token finds the piece of "blue".
  const auto b = e.char_to_token(21);
  ASSERT_TRUE(b.has_value());
  EXPECT_LE(e.offsets[static_cast<size_t>(*b)].first, 21);
  const TextBatch batch = encode_batch(*tok, {text}, 16);
  EXPECT_EQ(batch.input_ids.size(1), 16);
  EXPECT_EQ(batch.attention_mask.sum().item<int64_t>(), static_cast<int64_t>(std::min<size_t>(e.size(), 16)));
}

TEST(SentencePiece, BadInputsAreClearErrors) {
  if (!sentencepiece_available()) GTEST_SKIP() << "SentencePiece cannot be loaded in an AddressSanitizer build";
  const std::string dir = test::temp_dir("spm_bad");
  write_file_atomic(dir + "/junk.model", "not a model");
  EXPECT_THROW(SentencePieceTokenizer(dir + "/junk.model"), InputError);
  EXPECT_THROW(SentencePieceTokenizer::train({}, dir + "/x.model"), InputError);
  SentencePieceTrainOptions big;
  big.vocab_size = 100000;
  EXPECT_THROW(SentencePieceTokenizer::train({"a b c"}, dir + "/y.model", big), InputError);
  TokenizerConfig cfg;
  cfg.type = "sentencepiece";
  EXPECT_THROW(make_tokenizer(cfg), InputError);
  cfg.type = "nonsense";
  EXPECT_THROW(make_tokenizer(cfg), InputError);
}

}  // namespace
}  // namespace glip::text
