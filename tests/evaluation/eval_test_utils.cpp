#include "eval_test_utils.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/test_utils.h"

namespace glip::test {

std::string eval_fixtures_dir() {
  const char* env = std::getenv("GLIP_EVAL_FIXTURES");
  if (env && *env) return env;
  return data_dir() + "/eval";
}

std::vector<std::string> eval_cases(const std::string& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_directory() && std::filesystem::exists(e.path() / "expected.json")) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(f);
}

::testing::AssertionResult json_matches(const nlohmann::json& actual, const nlohmann::json& expected, double tol,
                                        const std::string& where, bool top) {
  if (expected.is_number()) {
    if (!actual.is_number()) return ::testing::AssertionFailure() << where << ": expected a number, got " << actual;
    const double a = actual.get<double>(), e = expected.get<double>();
    if (!(std::fabs(a - e) <= tol)) {
      return ::testing::AssertionFailure()
             << where << ": got " << a << ", expected " << e << " (diff " << std::fabs(a - e) << ")";
    }
    return ::testing::AssertionSuccess();
  }
  if (expected.is_object()) {
    if (!actual.is_object()) return ::testing::AssertionFailure() << where << ": expected an object";
    for (const auto& [k, v] : expected.items()) {
      if (!actual.contains(k)) return ::testing::AssertionFailure() << where << ": missing key '" << k << "'";
      auto r = json_matches(actual[k], v, tol, where + "/" + k, false);
      if (!r) return r;
    }
    if (!top) {
      for (const auto& [k, v] : actual.items()) {
        if (!expected.contains(k)) return ::testing::AssertionFailure() << where << ": unexpected key '" << k << "'";
      }
    }
    return ::testing::AssertionSuccess();
  }
  if (actual != expected) {
    return ::testing::AssertionFailure() << where << ": got " << actual << ", expected " << expected;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace glip::test
