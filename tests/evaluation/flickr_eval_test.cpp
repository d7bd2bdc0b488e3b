#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/evaluation/flickr_eval.h"

namespace {

using glip::eval::FlickrEvaluator;
using glip::formats::FlickrPrediction;

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// One image: sentence 0 has two phrases with boxes (10: two boxes, 11: one box) and a scene phrase
// without boxes; sentence 1 has no phrase with boxes and is not evaluated.
std::string make_tree() {
  const std::string root = glip::test::temp_dir("flickr");
  write(root + "/test.txt", "img1\n");
  write(root + "/Sentences/img1.txt",
        "[/EN#10/people A man] rides [/EN#11/vehicles/other a bike] on [/EN#12/scene the road] .\r\n"
        "[/EN#13/other Nothing] here .\n\n");
  write(root + "/Annotations/img1.xml",
        "<?xml version=\"1.0\"?>\n<annotation><filename>img1.jpg</filename>"
        "<size><width>500</width><height>375</height><depth>3</depth></size>"
        "<object><name>10</name><bndbox><xmin>10</xmin><ymin>10</ymin><xmax>50</xmax><ymax>90</ymax></bndbox></object>"
        "<object><name>10</name><bndbox><xmin>200</xmin><ymin>10</ymin><xmax>260</xmax><ymax>90</ymax></bndbox>"
        "</object><!-- a comment -->"
        "<object><name>11</name><bndbox><xmin>100</xmin><ymin>100</ymin><xmax>200</xmax><ymax>200</ymax></bndbox>"
        "</object>"
        "<object><name>12</name><nobndbox>1</nobndbox><scene>1</scene></object>"
        "<object><name>13</name><nobndbox>1</nobndbox><scene>0</scene></object></annotation>\n");
  return root;
}

FlickrPrediction pred(const std::string& sentence, std::vector<std::vector<std::vector<double>>> boxes) {
  return {"img1", sentence, std::move(boxes)};
}

double recall(const glip::eval::FlickrRecall& r, const std::string& k, const std::string& cat) {
  for (const auto& [kk, row] : r.recall) {
    for (const auto& [c, v] : row) {
      if (kk == k && c == cat) return v;
    }
  }
  return -1;
}

TEST(FlickrEval, ParsesSentenceMarkup) {
  auto s = glip::formats::parse_flickr_sentences("[/EN#5/people/other Two men] sit on [/EN#6/other a bench] .\n");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].sentence, "Two men sit on a bench .");
  ASSERT_EQ(s[0].phrases.size(), 2u);
  EXPECT_EQ(s[0].phrases[0].phrase, "Two men");
  EXPECT_EQ(s[0].phrases[0].phrase_id, "5");
  EXPECT_EQ(s[0].phrases[0].phrase_types, (std::vector<std::string>{"people", "other"}));
  EXPECT_EQ(s[0].phrases[1].first_word_index, 4);
}

TEST(FlickrEval, AnyBoxRecallAtK) {
  FlickrEvaluator ev(make_tree(), "test", false);
  EXPECT_EQ(ev.num_sentences(), 1u);
  const std::vector<double> far = {400, 300, 450, 350};
  auto r = ev.evaluate({pred("0", {{far, {200, 10, 260, 90}}, {{100, 100, 200, 200}}}),
                        pred("1", {})});  // not evaluated, no boxes: silently skipped
  EXPECT_DOUBLE_EQ(recall(r, "1", "all"), 0.5);
  EXPECT_DOUBLE_EQ(recall(r, "1", "people"), 0.0);
  EXPECT_DOUBLE_EQ(recall(r, "1", "vehicles"), 1.0);
  EXPECT_DOUBLE_EQ(recall(r, "5", "all"), 1.0);
  EXPECT_DOUBLE_EQ(recall(r, "any", "people"), 1.0);
  EXPECT_EQ(r.recall[0].second[0].first, "all");  // the reference's category order
  EXPECT_EQ(r.recall[0].second[1].first, "people");
}

TEST(FlickrEval, MergedBoxesUseTheEnclosingBox) {
  FlickrEvaluator ev(make_tree(), "test", true);
  auto r = ev.evaluate({pred("0", {{{200, 10, 260, 90}}, {{100, 100, 200, 200}}})});
  EXPECT_DOUBLE_EQ(recall(r, "1", "people"), 0.0);  // one of two boxes vs their union (10..260)
  auto hit = ev.evaluate({pred("0", {{{10, 10, 260, 90}}, {{100, 100, 200, 200}}})});
  EXPECT_DOUBLE_EQ(recall(hit, "1", "people"), 1.0);
}

TEST(FlickrEval, ReferenceErrors) {
  FlickrEvaluator ev(make_tree(), "test", false);
  try {
    ev.evaluate({pred("0", {{{0, 0, 1, 1}}})});
    FAIL() << "expected InputError";
  } catch (const glip::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("got 1 predictions, expected 2"), std::string::npos) << e.what();
  }
  try {
    ev.evaluate({pred("1", {{{0, 0, 1, 1}}})});  // unexpected sentence: warned about and ignored
    FAIL() << "expected InputError";
  } catch (const glip::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("Missing predictions"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sentence 0 in image img1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(FlickrEvaluator(make_tree(), "bogus", false), glip::InputError);
  const std::string root = make_tree();
  write(root + "/Annotations/img1.xml", "<annotation><size><width>5</width></size><object>");
  EXPECT_THROW(FlickrEvaluator(root, "test", false), glip::InputError);
}

}  // namespace
