#include "glip/core/device.h"

#include <torch/cuda.h>

#include "glip/core/error.h"

namespace glip {
namespace {

/** Parses the N of "cuda:N"; -1 for plain "cuda"; -2 when malformed. */
int cuda_index(const std::string& spec) {
  if (spec == "cuda") return -1;
  if (spec.rfind("cuda:", 0) != 0 || spec.size() == 5 || spec.size() > 9) return -2;
  for (size_t i = 5; i < spec.size(); ++i)
    if (spec[i] < '0' || spec[i] > '9') return -2;
  return std::stoi(spec.substr(5));
}

}  // namespace

std::string device_spec_problem(const std::string& spec) {
  if (spec == "auto" || spec == "cpu" || cuda_index(spec) != -2) return "";
  return "expected auto|cpu|cuda|cuda:N, got '" + spec + "'";
}

c10::Device resolve_device(const std::string& spec) {
  const std::string problem = device_spec_problem(spec);
  GLIP_CHECK_INPUT(problem.empty(), "device: ", problem);
  if (spec == "cpu") return c10::Device(c10::kCPU);
  const bool has_cuda = torch::cuda::is_available();
  const int count = has_cuda ? static_cast<int>(torch::cuda::device_count()) : 0;
  if (spec == "auto") return count > 0 ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  const int idx = std::max(0, cuda_index(spec));
  GLIP_CHECK_INPUT(count > 0, "device '", spec,
                   "' requested but CUDA is not available (this LibTorch has no CUDA support or no GPU is "
                   "visible); use device: cpu or auto");
  GLIP_CHECK_INPUT(idx < count, "device '", spec, "' requested but only ", count, " CUDA device", count == 1 ? "" : "s",
                   " found (cuda:0..cuda:", count - 1, ")");
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(idx));
}

}  // namespace glip
