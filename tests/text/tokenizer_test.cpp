// WordPiece against the HF BertTokenizerFast goldens, plus padding/truncation and char_to_token.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "bert_tokenizer.h"
#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/text/text_batch.h"
#include "glip/text/wordpiece.h"

namespace glip::text {
namespace {

using test_support::bert;

TEST(WordPiece, AllGoldensMatchHfBertTokenizerFast) {
  std::ifstream in(test::data_dir() + "/tokenizer/bert_uncased_goldens.jsonl");
  ASSERT_TRUE(in) << "missing goldens";
  std::string line;
  int n = 0, bad = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto j = nlohmann::json::parse(line);
    const Encoding e = bert().encode(j["text"].get<std::string>());
    const auto ids = j["ids"].get<std::vector<int64_t>>();
    const auto toks = j["tokens"].get<std::vector<std::string>>();
    std::vector<Offset> offs;
    for (const auto& o : j["offsets"]) offs.emplace_back(o[0].get<int64_t>(), o[1].get<int64_t>());
    const bool ok = e.ids == ids && e.tokens == toks && e.offsets == offs;
    if (!ok && ++bad <= 5) {
      ADD_FAILURE() << "golden line " << n << ": " << j["text"].dump() << "\n got ids " << nlohmann::json(e.ids).dump()
                    << "\n want ids " << nlohmann::json(ids).dump() << "\n got offsets "
                    << nlohmann::json(e.offsets).dump() << "\n want offsets " << nlohmann::json(offs).dump();
    }
  }
  EXPECT_EQ(n, 225);
  EXPECT_EQ(bad, 0) << bad << " of " << n << " goldens differ";
}

TEST(WordPiece, EmbeddedVocabularyIsBertBaseUncased) {
  EXPECT_EQ(bert().vocab_size(), 30522);
  EXPECT_EQ(bert().token_to_id("[UNK]"), 100);
  EXPECT_EQ(bert().token_to_id("[CLS]"), 101);
  EXPECT_EQ(bert().id_to_token(1012), ".");
  const auto file = WordPieceTokenizer::from_file(test::data_dir() + "/tokenizer/bert-base-uncased-vocab.txt");
  EXPECT_EQ(file.encode("Héllo, WORLD! 日本").ids, bert().encode("Héllo, WORLD! 日本").ids);
}

TEST(WordPiece, RulesOnHandCheckedCases) {
  // Accents stripped and lowercased; punctuation isolated; offsets in code points of the original text.
  Encoding e = bert().encode("Café—naïve", false);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"cafe", "—", "naive"}));
  EXPECT_EQ(e.offsets, (std::vector<Offset>{{0, 4}, {4, 5}, {5, 10}}));
  // CJK characters become words of their own; control characters vanish.
  e = bert().encode("a\x01日本", false);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"a", "日", "本"}));
  EXPECT_EQ(e.offsets, (std::vector<Offset>{{0, 1}, {2, 3}, {3, 4}}));
  // ## continuation.
  e = bert().encode("toothbrush", false);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"tooth", "##brush"}));
  EXPECT_EQ(e.offsets, (std::vector<Offset>{{0, 5}, {5, 10}}));
  // Words over 100 characters are one [UNK] spanning the word.
  e = bert().encode("x " + std::string(101, 'a') + " y", false);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"x", "[UNK]", "y"}));
  EXPECT_EQ(e.offsets[1], (Offset{2, 103}));
  EXPECT_EQ(bert().encode(std::string(100, 'a'), false).tokens.size() > 1, true);
}

TEST(WordPiece, InvalidUtf8IsAnInputError) {
  EXPECT_THROW(bert().encode("ab\xC3"), InputError);
  EXPECT_THROW(bert().encode("\xED\xA0\x80"), InputError);                   // surrogate
  EXPECT_THROW(bert().encode("\xC0\xAF"), InputError);                       // overlong
  EXPECT_THROW(WordPieceTokenizer("a\nb\n", "tiny.txt", true), InputError);  // no [PAD]
}

TEST(WordPiece, CharToTokenSkipsSpecialsAndWhitespace) {
  const Encoding e = bert().encode("traffic light. cat");
  // [CLS] traffic light . cat [SEP]
  EXPECT_EQ(e.char_to_token(0), 1);
  EXPECT_EQ(e.char_to_token(6), 1);
  EXPECT_EQ(e.char_to_token(7), std::nullopt);  // the space
  EXPECT_EQ(e.char_to_token(8), 2);
  EXPECT_EQ(e.char_to_token(13), 3);
  EXPECT_EQ(e.char_to_token(15), 4);
  EXPECT_EQ(e.char_to_token(18), std::nullopt);
}

TEST(TextBatch, PadsTruncatesAndMasks) {
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "cat ";
  std::vector<Encoding> encs;
  const TextBatch b = encode_batch(bert(), {"a dog", long_text}, 256, &encs);
  ASSERT_EQ(b.input_ids.sizes(), (at::IntArrayRef{2, 256}));
  EXPECT_EQ(b.input_ids[0][0].item<int64_t>(), 101);
  EXPECT_EQ(b.input_ids[0][3].item<int64_t>(), 102);
  EXPECT_EQ(b.input_ids[0][4].item<int64_t>(), 0);
  EXPECT_EQ(b.attention_mask[0].sum().item<int64_t>(), 4);
  EXPECT_EQ(b.attention_mask[1].sum().item<int64_t>(), 256);
  EXPECT_EQ(b.input_ids[1][255].item<int64_t>(), 102);  // [SEP] kept after truncation
  EXPECT_EQ(b.input_ids[1][254].item<int64_t>(), bert().token_to_id("cat"));
  EXPECT_EQ(b.token_type_ids.abs().sum().item<int64_t>(), 0);
  EXPECT_EQ(encs[1].size(), 256u);
  const Encoding padded = truncate_and_pad(bert().encode("a dog"), 8, true, 0, "[PAD]");
  EXPECT_EQ(padded.ids, (std::vector<int64_t>{101, 1037, 3899, 102, 0, 0, 0, 0}));
  EXPECT_THROW(truncate_and_pad(padded, 1, true, 0, "[PAD]"), InputError);
}

}  // namespace
}  // namespace glip::text
