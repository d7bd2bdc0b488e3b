#include "robustness/malformed.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <typeinfo>

#include "common/test_utils.h"
#include "glip/core/error.h"

namespace glip::test {
namespace fs = std::filesystem;

std::string case_name(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

std::vector<std::string> list_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;  // a case may leave a symlink loop: list it, do not follow it
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    out.push_back(fs::relative(it->path(), dir, ec).string());
  std::sort(out.begin(), out.end());
  return out;
}

void put_file(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string deep_json(size_t depth, char open, char close) {
  return std::string(depth, open) + "1" + std::string(depth, close);
}

namespace {
std::string replace_dir(std::string s, const std::string& dir) {
  const auto at = s.find("$DIR");
  return at == std::string::npos ? s : s.replace(at, 4, dir);
}

// $GLIP_TEST_TIME_SCALE (a number >= 1), else 1.
double time_scale() {
  const char* v = std::getenv("GLIP_TEST_TIME_SCALE");
  if (!v || !*v) return 1.0;
  char* end = nullptr;
  const double x = std::strtod(v, &end);
  if (*end != '\0' || !(x >= 1.0) || !std::isfinite(x)) {
    ADD_FAILURE() << "GLIP_TEST_TIME_SCALE='" << v << "': expected a number >= 1";
    return 1.0;
  }
  return x;
}
}  // namespace

void check_refused(const MalformedCase& c, double seconds) {
  const std::string dir = temp_dir("malformed");
  if (c.setup) c.setup(dir);
  const std::vector<std::string> before = list_files(dir);
  std::string message;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    c.call(dir);
    ADD_FAILURE() << c.name << ": accepted, expected glip::InputError";
  } catch (const InputError& e) {
    message = e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << c.name << ": raw exception (" << typeid(e).name() << "): " << e.what();
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double limit = seconds * time_scale();
  EXPECT_LT(took, limit) << c.name << " took " << took << " s (limit " << limit << " s)";
  if (!message.empty()) {
    for (const auto& want : c.expect)
      EXPECT_NE(message.find(replace_dir(want, dir)), std::string::npos)
          << c.name << ": the message lacks '" << want << "': " << message;
  }
  const std::vector<std::string> after = list_files(dir);
  for (const auto& f : after)
    EXPECT_TRUE(std::binary_search(before.begin(), before.end(), f)) << c.name << ": left a file behind: " << f;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace glip::test
