#include "glip/core/fs.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/test_utils.h"
#include "glip/core/error.h"

namespace glip {

TEST(Fs, AtomicWriteReplacesAndLeavesNoTemp) {
  auto dir = test::temp_dir("fs");
  auto path = dir + "/sub/file.txt";
  write_file_atomic(path, "first");
  write_file_atomic(path, "second");
  EXPECT_EQ(read_file(path), "second");
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir + "/sub")) (void)e, ++n;
  EXPECT_EQ(n, 1);
}

TEST(Fs, MissingFileNamesPath) {
  try {
    read_file("/nonexistent/glip/file.json");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/glip/file.json"), std::string::npos);
  }
}

}  // namespace glip
