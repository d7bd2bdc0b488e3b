#include "glip/data/schedule.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <stdexcept>

#include "glip/core/error.h"
#include "glip/data/bad_samples.h"
#include "glip/data/prefetch.h"

namespace glip::data {

TEST(SampleSchedule, EachEpochVisitsRecordsByWeight) {
  SampleSchedule s({5, 3}, {2.0, 1.0}, 42);
  ASSERT_EQ(s.epoch_length(), 13u);
  for (uint64_t epoch = 0; epoch < 3; ++epoch) {
    std::map<std::pair<size_t, size_t>, int> counts;
    for (uint64_t g = epoch * 13; g < (epoch + 1) * 13; ++g) counts[s.at(g)]++;
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ((counts[{0, i}]), 2);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ((counts[{1, i}]), 1);
  }
}

TEST(SampleSchedule, DeterministicAndSeedDependent) {
  SampleSchedule a({100}, {1.0}, 1), b({100}, {1.0}, 1), c({100}, {1.0}, 2);
  int diff = 0;
  for (uint64_t g = 0; g < 300; ++g) {
    EXPECT_EQ(a.at(g), b.at(g));
    diff += a.at(g) != c.at(g);
  }
  EXPECT_GT(diff, 200);
  // Epochs are reshuffled.
  int moved = 0;
  for (uint64_t g = 0; g < 100; ++g) moved += a.at(g) != a.at(g + 100);
  EXPECT_GT(moved, 50);
}

TEST(SampleSchedule, FractionalWeightTakesSubset) {
  SampleSchedule s({10, 10}, {0.5, 1.0}, 3);
  EXPECT_EQ(s.epoch_length(), 15u);
  std::set<size_t> firsts;
  for (uint64_t g = 0; g < 15; ++g)
    if (s.at(g).first == 0) firsts.insert(s.at(g).second);
  EXPECT_EQ(firsts.size(), 5u);
}

TEST(SampleSchedule, RanksReadDisjointSlicesOfEachGlobalBatch) {
  std::set<uint64_t> seen;
  for (int64_t it = 0; it < 3; ++it)
    for (int r = 0; r < 2; ++r)
      for (int64_t j = 0; j < 4; ++j) EXPECT_TRUE(seen.insert(SampleSchedule::position(it, r, 2, 4, j)).second);
  EXPECT_EQ(*seen.rbegin(), 23u);
}

TEST(SampleSchedule, RejectsEmptyData) {
  EXPECT_THROW(SampleSchedule({0}, {1.0}, 0), InputError);
  EXPECT_THROW(SampleSchedule({3}, {-1.0}, 0), InputError);
}

TEST(Prefetch, OrderedRegardlessOfWorkersAndRethrows) {
  std::atomic<int> calls{0};
  PrefetchLoader<int64_t> loader(
      [&](int64_t it) {
        ++calls;
        if (it == 7) throw std::runtime_error("boom at 7");
        return it * it;
      },
      3, 3, 2);
  for (int64_t it = 3; it < 7; ++it) EXPECT_EQ(loader.next(), it * it);
  EXPECT_THROW(loader.next(), std::runtime_error);
}

TEST(BadSamples, StopsPastTheFraction) {
  BadSampleGuard guard(0.1, 10);
  for (int k = 0; k < 20; ++k) guard.good();
  guard.bad("a.jpg", "corrupt");
  guard.bad("b.jpg", "corrupt");
  EXPECT_EQ(guard.bad_count(), 2);
  try {
    guard.bad("c.jpg", "truncated");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("too many bad samples: 3 of 23"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("c.jpg"), std::string::npos);
  }
}

}  // namespace glip::data
