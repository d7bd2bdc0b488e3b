// Inputs at the edge that are valid and must work (the other side of the malformed families): images of extreme
// aspect ratio, PAX and upper-case tar members, keys without an image (reported).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "common/test_utils.h"
#include "glip/core/fs.h"
#include "glip/core/logging.h"
#include "glip/data/readers.h"
#include "glip/data/transforms.h"
#include "glip/io/tar.h"
#include "robustness/malformed.h"

namespace glip::test {
namespace {

TEST(ExtremeImages, ResizeKeepsEverySideAtLeastOnePixel) {
  std::mt19937_64 rng(1);
  for (const auto& [h, w] : std::vector<std::pair<int64_t, int64_t>>{{1, 5000}, {3, 4000}, {5000, 1}, {2, 9999}}) {
    data::Record r;
    r.caption = "a thin line";
    data::TransformOptions opts;  // short side 800, long side at most 1333
    const auto s = data::transform_sample(r, at::zeros({h, w, 3}, at::kByte), opts, rng);
    EXPECT_GE(s.image.size(1), 1) << h << "x" << w;
    EXPECT_GE(s.image.size(2), 1) << h << "x" << w;
    EXPECT_LE(std::min(s.image.size(1), s.image.size(2)), 3) << h << "x" << w;
  }
}

/** Rewrites the type of the tar header at `at` and fixes its checksum. */
void set_type(std::string& tar, size_t at, char type) {
  tar[at + 156] = type;
  unsigned sum = 0;
  for (size_t k = 0; k < 512; ++k) sum += (k >= 148 && k < 156) ? ' ' : static_cast<unsigned char>(tar[at + k]);
  std::snprintf(&tar[at + 148], 8, "%06o", sum);
  tar[at + 155] = ' ';
}

TEST(TarShard, PaxPathsAndUpperCaseExtensionsAreRead) {
  const std::string long_key = "shard-000/" + std::string(120, 'k');
  const std::string record = " path=" + long_key + ".JPG\n";
  std::string pax = std::to_string(record.size() + 3) + record;  // the length counts its own 3 digits
  ASSERT_EQ(std::to_string(pax.size()).size(), 3u);
  io::TarBuilder b;
  b.add("pax", pax);
  b.add("short.jpg", "image bytes");
  b.add("other.TXT", "a caption");
  std::string tar = b.finish();
  set_type(tar, 0, 'x');
  const std::string dir = temp_dir("pax");
  put_file(dir + "/s.tar", tar);
  const auto members = io::list_tar(dir + "/s.tar");
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].name, long_key + ".JPG");
  EXPECT_EQ(members[1].name, "other.TXT");
  const auto set = data::read_webdataset({dir + "/s.tar"});
  ASSERT_EQ(set.records.size(), 1u);  // other.TXT has no image: no sample
  EXPECT_EQ(set.records[0].image.member, long_key + ".JPG");
  std::filesystem::remove_all(dir);
}

TEST(TarShard, KeysWithoutAnImageAreReportedNotDroppedSilently) {
  const std::string dir = temp_dir("no_image");
  io::TarBuilder b;
  b.add("a.jpg", "image bytes");
  b.add("a.txt", "a caption");
  b.add("lonely.txt", "a caption without its image");
  put_file(dir + "/s.tar", b.finish());
  log::add_file_sink(dir + "/log.txt");
  const auto set = data::read_webdataset({dir + "/s.tar"});
  log::logger().flush();
  EXPECT_EQ(set.records.size(), 1u);
  EXPECT_EQ(set.keys_without_image, 1);  // counted for glip_pseudolabel's statistics (no_image)
  EXPECT_EQ(set.key_without_image_example, dir + "/s.tar#lonely");
  const std::string log_text = read_file(dir + "/log.txt");
  EXPECT_NE(log_text.find("1 key(s) without an image"), std::string::npos) << log_text;
  EXPECT_NE(log_text.find("s.tar#lonely"), std::string::npos) << log_text;
}

}  // namespace
}  // namespace glip::test
