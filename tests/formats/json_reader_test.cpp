#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "formats/json_reader.h"
#include "glip/core/error.h"
#include "glip/formats/detection_json.h"

namespace {

using glip::formats::JsonReader;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const glip::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(JsonReader, ReadsNestedValuesAndSkipsUnknownOnes) {
  const std::string text =
      R"( {"a": [1, -2.5e2, 0.1], "s": "x\"\u00e9\n", "skip": {"k": [true, false, null]}, "b": true} )";
  JsonReader r(text, "mem.json");
  std::vector<double> nums;
  std::string s;
  bool b = false;
  r.begin_object();
  for (bool first = true; r.next_key(first);) {
    if (r.key() == "a") {
      r.begin_array();
      for (bool f = true; r.next_element(f);) nums.push_back(r.read_number());
    } else if (r.key() == "s") {
      s = r.read_string();
    } else if (r.key() == "b") {
      b = r.read_bool();
    } else {
      r.skip();
    }
  }
  r.expect_end();
  ASSERT_EQ(nums.size(), 3u);
  EXPECT_EQ(nums[1], -250.0);
  EXPECT_EQ(nums[2], 0.1);  // correctly rounded, as Python's float()
  EXPECT_EQ(s, "x\"\xc3\xa9\n");
  EXPECT_TRUE(b);
}

TEST(JsonReader, AcceptsPythonNanAndInfinity) {
  JsonReader r("[NaN, Infinity, -Infinity]", "mem.json");
  r.begin_array();
  std::vector<double> v;
  for (bool f = true; r.next_element(f);) v.push_back(r.read_number());
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_EQ(v[1], HUGE_VAL);
  EXPECT_EQ(v[2], -HUGE_VAL);
}

TEST(JsonReader, MalformedJsonNamesFileLineAndColumn) {
  const std::string msg = error_of([] {
    JsonReader r("[1,\n 2,,3]", "bad.json");
    r.skip();
  });
  EXPECT_NE(msg.find("bad.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 2, column 4"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { JsonReader("{\"a\": 1", "t.json").skip(); }).find("expecting ',' delimiter"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              JsonReader r("[1] x", "t.json");
              r.skip();
              r.expect_end();
            }).find("extra data"),
            std::string::npos);
  EXPECT_NE(error_of([] { JsonReader("\"abc", "t.json").skip(); }).find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of([] { JsonReader("", "t.json").skip(); }).find("end of file"), std::string::npos);
}

TEST(JsonReader, IntegersMustBeIntegral) {
  JsonReader ok("7.0", "t.json");
  EXPECT_EQ(ok.read_int("id"), 7);
  const std::string msg = error_of([] { JsonReader("7.5", "t.json").read_int("images[0].id"); });
  EXPECT_NE(msg.find("images[0].id: expected an integer"), std::string::npos) << msg;
}

TEST(DetectionData, ResultsErrorsAreClear) {
  using glip::formats::parse_results;
  EXPECT_NE(error_of([] { parse_results("[]", "r.json"); }).find("results list is empty"), std::string::npos);
  EXPECT_NE(error_of([] { parse_results("{}", "r.json"); }).find("not an array"), std::string::npos);
  EXPECT_NE(error_of([] {
              parse_results(R"([{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3], "score": 1}])", "r.json");
            }).find("4 numbers"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_results(R"([{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}])", "r.json");
            }).find("has no 'score'"),
            std::string::npos);
  auto r =
      parse_results(R"([{"image_id": 3, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 0.5, "x": [1]}])", "r.json");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].image_id, 3);
  EXPECT_EQ(r[0].bbox.h, 4.0);
}

TEST(DetectionData, GroundTruthNeedsImagesAndCategories) {
  EXPECT_NE(error_of([] { glip::formats::parse_ground_truth(R"({"categories": []})", "gt.json"); }).find("'images'"),
            std::string::npos);
  EXPECT_NE(error_of([] { glip::formats::parse_ground_truth("[]", "gt.json"); }).find("JSON object"),
            std::string::npos);
}

}  // namespace
