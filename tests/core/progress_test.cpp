#include "glip/core/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace glip {

static std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string s;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

TEST(ProgressMeter, CountsAndPrintsTheFinalLineOnceToAFile) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressMeter m("[eval] demo", 4, "images", f, 3600.0);  // long interval: only the completion is drawn
    m.advance(1);
    m.advance(2);
    EXPECT_EQ(m.done(), 3);
    EXPECT_NE(m.line().find("[eval] demo 3/4 images"), std::string::npos) << m.line();
    m.advance(1);  // complete: drawn now
    m.finish();    // not drawn again
    m.finish();
  }
  const std::string out = read_all(f);
  std::fclose(f);
  EXPECT_NE(out.find("4/4 images"), std::string::npos) << out;
  EXPECT_NE(out.find("images/s"), std::string::npos) << out;
  EXPECT_EQ(out.find("4/4 images"), out.rfind("4/4 images")) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos) << "no carriage returns outside a terminal";
}

TEST(ProgressMeter, UnknownTotalAndNoOutput) {
  ProgressMeter m("[infer]", -1, "images", nullptr);
  m.advance(5);
  m.finish();
  EXPECT_EQ(m.done(), 5);
  const std::string line = m.line();  // one call: the rate (and so the line's length) changes between calls
  EXPECT_EQ(line.find('/'), line.find("images/s") + 6) << line;  // no "n/total"
}

}  // namespace glip
