// Noun phrases: precision/recall of exact spans on the hand-labelled captions, the chunk grammar, errors.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/text/noun_phrases.h"
#include "glip/text/unicode.h"

namespace glip::text {
namespace {

const NounPhraseExtractor& extractor() {
  static const NounPhraseExtractor ex;
  return ex;
}

struct Labelled {
  std::string caption;
  std::set<Offset> gold;
};

std::vector<Labelled> read_labelled(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<Labelled> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto [caption, spans] = parse_bracketed_phrases(line);
    out.push_back({caption, std::set<Offset>(spans.begin(), spans.end())});
  }
  return out;
}

TEST(NounPhrases, BracketedLabels) {
  const auto [cap, spans] = parse_bracketed_phrases("[A café] by [the sea]");
  EXPECT_EQ(cap, "A café by the sea");
  EXPECT_EQ(spans, (std::vector<Offset>{{0, 6}, {10, 17}}));
  EXPECT_THROW(parse_bracketed_phrases("[a [b]"), InputError);
  EXPECT_THROW(parse_bracketed_phrases("a]"), InputError);
  EXPECT_THROW(parse_bracketed_phrases("[a"), InputError);
}

TEST(NounPhrases, PrecisionAndRecallOnLabelledCaptions) {
  const auto set = read_labelled(test::data_dir() + "/text/noun_phrases_labelled.txt");
  ASSERT_GE(set.size(), 200u);
  int64_t tp = 0, predicted = 0, gold = 0;
  for (const auto& l : set) {
    const auto got = extractor().extract(l.caption);
    for (const auto& s : got) tp += l.gold.count(s);
    predicted += static_cast<int64_t>(got.size());
    gold += static_cast<int64_t>(l.gold.size());
  }
  const double p = static_cast<double>(tp) / static_cast<double>(predicted);
  const double r = static_cast<double>(tp) / static_cast<double>(gold);
  std::cout << "[text] noun phrases: " << set.size() << " captions, precision " << p << ", recall " << r << "\n";
  EXPECT_GE(p, 0.9);
  EXPECT_GE(r, 0.9);
}

TEST(NounPhrases, SyntheticWebCaptionAndCodePointSpans) {
  EXPECT_EQ(extractor().extract("a dotted green heart next to a large blue ring"),
            (std::vector<Offset>{{0, 20}, {29, 46}}));
  // Spans count code points: "é" is one.
  EXPECT_EQ(extractor().extract("a café table near the red door"), (std::vector<Offset>{{0, 12}, {18, 30}}));
  EXPECT_TRUE(extractor().extract("").empty());
  EXPECT_TRUE(extractor().extract("  ...  ").empty());
  EXPECT_THROW(extractor().extract("a \xff dog"), InputError);
}

TEST(NounPhrases, ChunkGrammar) {
  // <det>?<jj.*>*<nn.*>+, leftmost, non-overlapping.
  using V = std::vector<std::string>;
  using R = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(chunk_noun_phrases(V{"det", "jj", "nn", "vbz", "det", "nn", "nns"}), (R{{0, 3}, {4, 7}}));
  EXPECT_EQ(chunk_noun_phrases(V{"det", "jj", "vb", "nnp"}), (R{{3, 4}}));
  EXPECT_EQ(chunk_noun_phrases(V{"det", "det", "nn"}), (R{{1, 3}}));
  EXPECT_EQ(chunk_noun_phrases(V{"cd", "nns", "in", "jjr", "nn"}), (R{{1, 2}, {3, 5}}));
  EXPECT_TRUE(chunk_noun_phrases(V{"det", "jj", "in"}).empty());
}

TEST(NounPhrases, MissingLexiconIsAClearError) {
  try {
    PosTagger t("/nonexistent/lexicon");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("liblingua-en-tagger-perl"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace glip::text
