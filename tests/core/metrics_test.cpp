#include "glip/core/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip {

TEST(Metrics, RecordIsOneJsonLineInOrder) {
  MetricsRecord r;
  r.add("iter", 3).add("loss", 0.5).add("phase", "train").add("ok", true).add("bad", std::nan(""));
  EXPECT_EQ(r.to_json(), R"({"iter":3,"loss":0.5,"phase":"train","ok":true,"bad":null})");
}

TEST(Metrics, WriterAppendsLinesWithTime) {
  const std::string path = test::temp_dir("metrics") + "/sub/metrics.jsonl";
  {
    MetricsWriter w(path);
    w.write(MetricsRecord().add("iter", 1).add("loss", 2.0));
    w.write(MetricsRecord().add("iter", 2).add("time", 5.0));
  }
  MetricsWriter again(path);  // appends
  again.write(MetricsRecord().add("iter", 3));
  MetricsWriter off(path + ".off", /*enabled=*/false);
  off.write(MetricsRecord().add("iter", 4));

  std::istringstream in(read_file(path));
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["iter"], 1);
  EXPECT_EQ(lines[0]["loss"], 2.0);
  EXPECT_GT(lines[0]["time"].get<double>(), 1.6e9);
  EXPECT_EQ(lines[1]["time"], 5.0);
  EXPECT_EQ(lines[2]["iter"], 3);
  EXPECT_FALSE(std::filesystem::exists(path + ".off"));
}

TEST(Metrics, UnwritablePathIsNamed) {
  try {
    MetricsWriter w("/proc/no/such/metrics.jsonl");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/no/such/metrics.jsonl"), std::string::npos);
  }
}

}  // namespace glip
