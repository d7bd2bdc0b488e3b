#include "common/test_utils.h"

#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>

namespace glip::test {

std::string data_dir() { return GLIP_TEST_DATA_DIR; }

std::string parity_dir() {
  const char* env = std::getenv("GLIP_PARITY_FIXTURES");
  if (env && *env) return env;
  return data_dir() + "/glip_parity";
}

std::string temp_dir(const std::string& tag) {
  std::random_device rd;
  auto p =
      std::filesystem::temp_directory_path() / ("glip_test_" + tag + "_" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(p);
  return p.string();
}

::testing::AssertionResult all_close(const at::Tensor& actual, const at::Tensor& expected, double rtol, double atol,
                                     const std::string& what) {
  if (actual.sizes() != expected.sizes()) {
    std::ostringstream os;
    os << what << ": shape " << actual.sizes() << " != expected " << expected.sizes();
    return ::testing::AssertionFailure() << os.str();
  }
  at::Tensor a = actual.detach().to(at::kCPU, at::kDouble);
  at::Tensor e = expected.detach().to(at::kCPU, at::kDouble);
  if (a.numel() == 0) return ::testing::AssertionSuccess();
  at::Tensor excess = (a - e).abs() - (atol + rtol * e.abs());
  at::Tensor nan_mismatch = a.isnan() != e.isnan();
  if (nan_mismatch.any().item<bool>()) {
    return ::testing::AssertionFailure() << what << ": NaN pattern differs";
  }
  excess = at::where(e.isnan(), at::zeros_like(excess), excess);
  int64_t worst = excess.flatten().argmax().item<int64_t>();
  double w = excess.flatten()[worst].item<double>();
  if (w <= 0) return ::testing::AssertionSuccess();
  int64_t bad = (excess > 0).sum().item<int64_t>();
  std::ostringstream os;
  os << what << ": " << bad << " of " << a.numel() << " elements differ (rtol " << rtol << ", atol " << atol
     << "); worst at flat index " << worst << ": actual " << a.flatten()[worst].item<double>() << " expected "
     << e.flatten()[worst].item<double>() << ", max abs diff " << (a - e).abs().max().item<double>();
  return ::testing::AssertionFailure() << os.str();
}

}  // namespace glip::test
