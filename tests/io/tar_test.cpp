// tar: the writer's archives read back in memory, from disk and by GNU tar; corrupt and cut archives fail.
#include "glip/io/tar.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::io {
namespace {

std::string sample_archive() {
  TarBuilder t;
  t.add("000000.txt", "a red star.\n");
  t.add("000000.jpg", std::string(1000, '\x7f'));
  t.add("000000.json", "{}");
  EXPECT_EQ(t.entries(), 3u);
  return t.finish();
}

TEST(Tar, WriterRoundTripInMemoryOnDiskAndWithGnuTar) {
  const std::string bytes = sample_archive();
  EXPECT_EQ(bytes.size() % 512, 0u);
  auto entries = read_tar(bytes, "mem");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].first, "000000.txt");
  EXPECT_EQ(entries[0].second, "a red star.\n");
  EXPECT_EQ(entries[1].second, std::string(1000, '\x7f'));
  EXPECT_EQ(entries[2].first, "000000.json");

  const std::string dir = test::temp_dir("io_tar");
  write_file_atomic(dir + "/a.tar", bytes);
  auto members = list_tar(dir + "/a.tar");
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[1].name, "000000.jpg");
  EXPECT_EQ(members[1].offset, 512u * 3);  // header, 1 data block, header
  EXPECT_EQ(read_tar_member(dir + "/a.tar", members[1]), entries[1].second);

  const std::string cmd = "tar -tf " + dir + "/a.tar > " + dir + "/list.txt 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(read_file(dir + "/list.txt"), "000000.txt\n000000.jpg\n000000.json\n");
}

TEST(Tar, CorruptOrCutArchivesAndBadNamesFail) {
  const std::string bytes = sample_archive();
  std::string bad = bytes;
  bad[10] = 'X';  // corrupt the first header
  try {
    read_tar(bad, "bad.tar");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.tar: corrupt tar header at byte 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_tar(bytes.substr(0, 512 + 5), "cut.tar"), InputError);        // member 0 data cut
  EXPECT_THROW(read_tar(bytes.substr(0, 512 * 2 + 300), "cut.tar"), InputError);  // header 2 cut
  TarBuilder t;
  EXPECT_THROW(t.add(std::string(101, 'a'), "x"), Error);
  EXPECT_THROW(t.add("", "x"), Error);
}

}  // namespace
}  // namespace glip::io
