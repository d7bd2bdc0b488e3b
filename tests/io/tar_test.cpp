// tar: the writer's archives read back in memory, from disk and by GNU tar; corrupt and cut archives fail;
// archives written by Python's tarfile and GNU tar (tests/data/tar/make_fixtures.sh) list with their full names.
#include "glip/io/tar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

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

// tests/data/tar/make_fixtures.sh: the same five members written four ways (pax and GNU long names).
TEST(Tar, LongAndNonAsciiNamesFromPythonTarfileAndGnuTar) {
  const std::string key = "web/" + std::string(40, 'a') + "/sample_" + std::string(100, 'b');  // base name > 100
  const std::vector<std::string> names = {key + ".jpg", key + ".txt", "web/caf\u00e9_\u540d\u524d.jpg",
                                          "web/caf\u00e9_\u540d\u524d.txt", "web/000000.txt"};
  for (const char* f : {"python_pax.tar", "python_gnu.tar", "gnutar_posix.tar", "gnutar_gnu.tar"}) {
    SCOPED_TRACE(f);
    const std::string path = test::data_dir() + "/tar/" + f;
    const auto members = list_tar(path);
    std::vector<std::string> got;
    for (const auto& m : members) got.push_back(m.name);
    ASSERT_EQ(got, names);
    EXPECT_EQ(read_tar_member(path, members[0]).substr(0, 3), "\xFF\xD8\xFF");
    EXPECT_EQ(read_tar_member(path, members[1]), "a red star.\n");
    EXPECT_EQ(read_tar_member(path, members[3]), "ein gr\u00fcnes Dreieck.\n");
    EXPECT_EQ(read_tar_member(path, members[4]), "a blue ring.\n");
    const auto mem = read_tar(read_file(path), f);
    ASSERT_EQ(mem.size(), 5u);
    EXPECT_EQ(mem[1].first, names[1]);
    EXPECT_EQ(mem[1].second, "a red star.\n");
  }
  // POSIX ustar: a long folder in the prefix field, raw UTF-8 in the name field.
  const std::string path = test::data_dir() + "/tar/gnutar_ustar.tar";
  const auto members = list_tar(path);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].name, std::string(120, 'p') + "/000001.txt");
  EXPECT_EQ(read_tar_member(path, members[0]), "prefix\n");
  EXPECT_EQ(members[1].name, "caf\u00e9.txt");
}

TEST(Tar, CompressedArchivesAreRefusedByName) {
  const std::string path = test::data_dir() + "/tar/python_pax.tar.gz";
  try {
    list_tar(path);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("python_pax.tar.gz: a gzip-compressed tar archive"), std::string::npos) << m;
    EXPECT_NE(m.find("decompress it first"), std::string::npos) << m;
  }
  for (const std::string& magic : {std::string("BZh91AY&SY"),
                                   std::string("\xFD"
                                               "7zXZ\0\0",
                                               8),
                                   std::string("\x28\xB5\x2F\xFD\0\0", 6)})
    EXPECT_THROW(read_tar(magic + std::string(1024, '\x01'), "c.tar"), InputError);
}

// A PAX `size` record (members over 8 GiB) replaces the ustar size field (0 here) of the member it precedes.
TEST(Tar, PaxSizeRecordGivesTheMemberSize) {
  TarBuilder t;
  t.add("PaxHeaders/a.txt", "10 size=5\n");
  t.add("a.txt", "");
  std::string b = t.finish();
  b[156] = 'x';  // make the first entry a PAX extended header, and fix its checksum
  uint64_t sum = 0;
  for (size_t k = 0; k < 512; ++k) sum += (k >= 148 && k < 156) ? ' ' : static_cast<unsigned char>(b[k]);
  std::snprintf(&b[148], 8, "%06o", static_cast<unsigned>(sum));
  b[155] = ' ';
  b.insert(1536, std::string("hello") + std::string(507, '\0'));  // a.txt's data block after its header
  const auto entries = read_tar(b, "pax.tar");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].first, "a.txt");
  EXPECT_EQ(entries[0].second, "hello");
}

}  // namespace
}  // namespace glip::io
