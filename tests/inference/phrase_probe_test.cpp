// The summary of the one-phrase probe (eval/phrase_probe.h) against hand-computed values; the probe itself runs
// end to end in tests/app/grounding_e2e_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "glip/inference/phrase_probe.h"

namespace {
using glip::inference::PhraseProbeObject;
using glip::inference::PhraseProbeReport;

PhraseProbeObject object(int64_t cat, std::map<int64_t, double> scores) {
  PhraseProbeObject o;
  o.category_id = cat;
  o.scores = std::move(scores);
  return o;
}

TEST(PhraseProbe, MarginsAccuracyAndTable) {
  PhraseProbeReport r;
  r.categories = {{1, "circle"}, {2, "square"}, {3, "star"}};
  r.objects.push_back(object(1, {{1, 0.9}, {2, 0.2}, {3, 0.4}}));  // margin 0.5
  r.objects.push_back(object(2, {{1, 0.6}, {2, 0.5}, {3, 0.1}}));  // margin -0.1
  r.objects.push_back(object(3, {{1, 0.0}, {2, 0.0}, {3, 0.3}}));  // margin 0.3 (no other name scored)
  EXPECT_DOUBLE_EQ(r.objects[0].best_other(), 0.4);
  EXPECT_NEAR(r.accuracy(), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(r.mean_margin(), 0.7 / 3.0, 1e-12);
  EXPECT_NEAR(r.min_margin(), -0.1, 1e-12);
  EXPECT_NEAR(r.fraction_with_margin(0.3), 2.0 / 3.0, 1e-12);
  EXPECT_NE(r.table().find("| square | 1 | 0.500 | 0.600 | 0.000 |"), std::string::npos) << r.table();
  const auto j = nlohmann::json::parse(r.json());
  EXPECT_EQ(j["objects"].size(), 3u);
  EXPECT_EQ(j["categories"]["3"], "star");
  EXPECT_NEAR(j["objects"][1]["margin"].get<double>(), -0.1, 1e-12);
}

TEST(PhraseProbe, EqualScoresAreNotAHit) {
  PhraseProbeReport r;
  r.categories = {{1, "a"}, {2, "b"}};
  r.objects.push_back(object(1, {{1, 0.5}, {2, 0.5}}));  // a model that ignores the word
  EXPECT_EQ(r.accuracy(), 0.0);
  EXPECT_EQ(r.mean_margin(), 0.0);
}

}  // namespace
