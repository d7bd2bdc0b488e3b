// glip_bench_model --profile: where the time of one run goes, by LibTorch's RecordFunction scopes on the calling
// thread: ATen's operators, glip's own operations (glip::linear, glip::matmul, glip::modulated_deform_conv2d,
// glip::bi_attention_softmax, the DCN's sampling, ...) and the model's blocks (glip::SwinBlock, glip::BertLayer,
// glip::FPN, glip::DyConv, glip::BiAttentionBlock), which LibTorch's own profiler shows too.
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace glip::bench {

/**
 * Records the RecordFunction scopes of this thread while alive (one at a time). Self time is a scope's time
 * less that of the scopes it opened; work that operators hand to OpenMP threads counts where it was started.
 */
class OpProfile {
 public:
  OpProfile();
  ~OpProfile();
  OpProfile(const OpProfile&) = delete;
  OpProfile& operator=(const OpProfile&) = delete;

  struct Row {
    double self = 0, total = 0;  // seconds
    int64_t calls = 0;
  };
  /** Stops recording; what was recorded, by scope name. */
  const std::map<std::string, Row>& stop();
  /** Prints the `top` names with the most self time, then every glip:: scope, with their share of `seconds`. */
  void print(int64_t top, double seconds);

 private:
  std::map<std::string, Row> rows_;
  uint64_t handle_ = 0;
  bool stopped_ = false;
};

}  // namespace glip::bench
