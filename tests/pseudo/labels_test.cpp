// Caption queries, per-phrase box selection, the record format (read back by the data reader), stats.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/data/readers.h"
#include "glip/data/transforms.h"
#include "glip/pseudo/labels.h"
#include "glip/pseudo/stats.h"
#include "pseudo/pseudo_test_util.h"

namespace glip::pseudo {
namespace {

TEST(CaptionQuery, NounPhrasesOfTheCaption) {
  text::Prompt q = caption_query("a small red star left of a striped blue ring.", test::extractor());
  EXPECT_EQ(q.text, "a small red star left of a striped blue ring.");
  ASSERT_EQ(q.spans.size(), 2u);
  EXPECT_EQ(substr_code_points(q.text, q.spans[0].first, q.spans[0].second), "a small red star");
  EXPECT_EQ(substr_code_points(q.text, q.spans[1].first, q.spans[1].second), "a striped blue ring");
  EXPECT_EQ(q.labels, (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(caption_query("!!!", test::extractor()).spans.empty());
  EXPECT_EQ(substr_code_points("caf\xC3\xA9 au lait", 2, 6), "f\xC3\xA9 a");
}

text::Prompt two_phrases() {
  text::Prompt q;
  q.text = "a cat and a dog";
  q.spans = {{0, 5}, {10, 15}};
  q.labels = {1, 2};
  return q;
}

Detections dets(std::vector<float> boxes, std::vector<float> scores, std::vector<int64_t> labels) {
  const int64_t n = static_cast<int64_t>(scores.size());
  return {at::tensor(boxes).view({n, 4}), at::tensor(scores), at::tensor(labels)};
}

TEST(SelectPhraseBoxes, ThresholdNmsLimitAndClip) {
  // phrase 1: two overlapping boxes (IoU 0.68) and a separate one; phrase 2: one box under the threshold
  // and one that overlaps phrase 1's best box completely.
  Detections d = dets({0, 0, 10, 10, 1, 1, 11, 11, 50, 50, 70, 90, 30, 30, 40, 40, 0, 0, 10, 10},
                      {0.9f, 0.8f, 0.6f, 0.4f, 0.7f}, {1, 1, 1, 2, 2});
  PseudoConfig cfg;
  auto p = select_phrase_boxes(d, two_phrases(), 64, 80, cfg);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].text, "a cat");
  EXPECT_EQ(p[1].text, "a dog");
  ASSERT_EQ(p[0].boxes.size(), 2u);  // the 0.8 box is suppressed per phrase
  EXPECT_FLOAT_EQ(p[0].scores[0], 0.9f);
  EXPECT_EQ(p[0].boxes[1], (std::array<float, 4>{50, 50, 63, 79}));  // clipped to 64 x 80: [0, 63] x [0, 79]
  ASSERT_EQ(p[1].boxes.size(), 1u);                                  // 0.4 < 0.5
  EXPECT_FLOAT_EQ(p[1].scores[0], 0.7f);

  cfg.nms = "across_phrases";  // the dog's box is the cat's best box: it goes
  p = select_phrase_boxes(d, two_phrases(), 64, 80, cfg);
  EXPECT_EQ(p[0].boxes.size(), 2u);
  EXPECT_TRUE(p[1].boxes.empty());

  cfg.nms = "none";
  cfg.max_boxes_per_phrase = 2;
  p = select_phrase_boxes(d, two_phrases(), 64, 80, cfg);
  ASSERT_EQ(p[0].boxes.size(), 2u);
  EXPECT_FLOAT_EQ(p[0].scores[1], 0.8f);

  cfg.threshold = 0.95;
  p = select_phrase_boxes(d, two_phrases(), 64, 80, cfg);
  EXPECT_TRUE(p[0].boxes.empty() && p[1].boxes.empty());

  EXPECT_THROW(select_phrase_boxes(dets({0, 0, 1, 1}, {0.9f}, {3}), two_phrases(), 10, 10, PseudoConfig{}), Error);
  EXPECT_EQ(select_phrase_boxes(Detections{}, two_phrases(), 10, 10, PseudoConfig{})[1].text, "a dog");
}

TEST(SelectPhraseBoxes, PhraseMarginDropsBoxesAnotherPhraseNearlyOwns) {
  // Box A is claimed by both phrases (cat 0.7, dog 0.6 on a box of IoU 0.9); box B only by the dog; on box C the
  // cat has 0.55 and the dog 0.3, under the threshold but still a rival; box D's dog (0.9) overlaps C under 0.5.
  Detections d = dets({0, 0, 10, 10, 0, 0, 10, 9, 30, 30, 40, 40, 50, 50, 60, 60, 50, 50, 60, 60, 55, 50, 65, 60},
                      {0.7f, 0.6f, 0.65f, 0.55f, 0.3f, 0.9f}, {1, 2, 2, 1, 2, 2});
  PseudoConfig cfg;
  cfg.nms = "none";
  auto p = select_phrase_boxes(d, two_phrases(), 100, 100, cfg);  // the default -1 keeps every box
  EXPECT_EQ(p[0].boxes.size(), 2u);
  EXPECT_EQ(p[1].boxes.size(), 3u);
  cfg.phrase_margin = 0.2;
  p = select_phrase_boxes(d, two_phrases(), 100, 100, cfg);
  ASSERT_EQ(p[0].boxes.size(), 1u);  // A: 0.7 - 0.6 < 0.2; C: 0.55 - 0.3 >= 0.2
  EXPECT_FLOAT_EQ(p[0].scores[0], 0.55f);
  ASSERT_EQ(p[1].boxes.size(), 2u);  // A: 0.6 - 0.7 < 0; B and D have no rival
  EXPECT_FLOAT_EQ(p[1].scores[0], 0.9f);
  EXPECT_FLOAT_EQ(p[1].scores[1], 0.65f);
  cfg.phrase_margin = 0.3;  // C's cat is now too close to its rival
  p = select_phrase_boxes(d, two_phrases(), 100, 100, cfg);
  EXPECT_TRUE(p[0].boxes.empty());
  cfg.phrase_margin = 0;  // the winner of a shared box keeps it
  p = select_phrase_boxes(d, two_phrases(), 100, 100, cfg);
  EXPECT_EQ(p[0].boxes.size(), 2u);
  EXPECT_EQ(p[1].boxes.size(), 2u);
}

TEST(PseudoRecord, JsonLineIsReadByTheDataReader) {
  const std::string dir = glip::test::temp_dir("pseudo_record");
  std::filesystem::create_directories(dir + "/web");
  test::write_shard(dir + "/web/w.tar", {{"000012", "a cat and a dog", test::test_jpeg(3, 32, 24)}});
  PseudoRecord r;
  r.image_id = image_id_from_key("000012");
  r.key = "000012";
  r.tar = "../web/w.tar";
  r.member = "000012.jpg";
  r.width = 32;
  r.height = 24;
  r.caption = "a cat and a dog";
  r.phrases = select_phrase_boxes(dets({1, 2, 10.123f, 11, 5, 5, 20, 20}, {0.91234f, 0.6f}, {1, 2}), two_phrases(), 32,
                                  24, PseudoConfig{});
  const std::string line = to_json_line(r);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["image_id"], 12);
  EXPECT_EQ(j["phrases"][0]["span"], nlohmann::json::parse("[0, 5]"));
  EXPECT_DOUBLE_EQ(j["phrases"][0]["boxes"][0][2].get<double>(), 10.12);
  EXPECT_DOUBLE_EQ(j["phrases"][0]["scores"][0].get<double>(), 0.9123);
  write_file_atomic(dir + "/out/w.jsonl", line + "\n");

  data::RecordSet set = data::read_pseudo_shards({dir + "/out/w.jsonl"}, {0.7f, 1});
  ASSERT_EQ(set.records.size(), 1u);
  const data::Record& rec = set.records[0];
  EXPECT_EQ(rec.image_id, 12);
  EXPECT_EQ(rec.caption, "a cat and a dog");
  ASSERT_EQ(rec.boxes.size(), 1u);  // the 0.6 box is under the reader's 0.7
  EXPECT_EQ(rec.boxes[0].spans[0], (data::Span{0, 5}));
  at::Tensor img = data::decode_image(rec.image);  // the image is found through the relative tar path
  EXPECT_EQ(img.size(0), 24);
  EXPECT_EQ(img.size(1), 32);
  EXPECT_TRUE(data::read_pseudo_shards({dir + "/out/w.jsonl"}, {0.95f, 1}).records.empty());
}

TEST(PseudoRecord, ImageIdFromKey) {
  EXPECT_EQ(image_id_from_key("000123"), 123);
  const int64_t a = image_id_from_key("abc_1"), b = image_id_from_key("abc_2");
  EXPECT_GE(a, 0);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, image_id_from_key("abc_1"));
}

TEST(ShardStats, HistogramsSumsAndJson) {
  ShardStats s;
  s.samples = 4;
  s.add_labelled(0, {0.01f, 0.05f}, 0);
  s.add_labelled(12, {0.99f, 1.0f, 0.5f}, 3);
  s.written = 1;
  s.boxes = 12;
  s.empty_caption = 1;
  s.no_phrases = 1;
  s.below_min_boxes = 1;
  EXPECT_TRUE(s.balanced());
  EXPECT_EQ(s.boxes_per_image[0], 1);
  EXPECT_EQ(s.boxes_per_image[10], 1);  // 12 boxes land in 10+
  EXPECT_EQ(s.best_score[0], 2);
  EXPECT_EQ(s.best_score[5], 1);
  EXPECT_EQ(s.best_score[9], 2);  // 1.0 is in the last bin
  EXPECT_DOUBLE_EQ(s.no_box_share(), 0.5);
  ShardStats t = ShardStats::from_json(s.to_json(), "mem");
  EXPECT_TRUE(t.same_counts(s));
  t += s;
  EXPECT_EQ(t.samples, 8);
  EXPECT_EQ(t.best_score[9], 4);
  EXPECT_FALSE(t.same_counts(s));
  EXPECT_THROW(ShardStats::from_json(nlohmann::json::parse("{\"samples\": 1}"), "x.done.json"), InputError);
  const std::string report = format_report("title", s);
  EXPECT_NE(report.find("captions with no box 50.0%"), std::string::npos) << report;
  EXPECT_NE(report.find("no noun phrase 1"), std::string::npos) << report;
}

TEST(Progress, LineAndDuration) {
  Progress p(100, 1, 4);
  EXPECT_NE(p.line(2, 5, "web-000003").find("[pseudo] rank 1/4 shard 2/5 (web-000003): 0/100 images"),
            std::string::npos);
  EXPECT_EQ(format_duration(3723), "1h02m03s");
  EXPECT_EQ(format_duration(267), "4m27s");
  EXPECT_EQ(format_duration(12.4), "12s");
}

}  // namespace
}  // namespace glip::pseudo
