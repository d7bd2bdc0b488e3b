// glip_bench_model's measuring helpers (bench_model_run.cpp).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "glip/app/glip_config.h"
#include "glip/structures/batch.h"
#include "glip/text/prompt.h"

namespace glip::bench {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0);

/** Peak resident memory of this process so far, GiB. */
double peak_rss_gib();

/**
 * Measured fp32 matmul throughput (GFLOP/s) of a 2048^3 product, best of 10, through ATen and through glip. The
 * rate of one product moves by up to 30% between calls on the 2-core VM, so the benchmarks measure it before and
 * after their timed runs and divide by the higher (`at_least`): the share they report is the lower bound.
 */
struct SgemmRates {
  double aten = 0;      // at::mm: OpenBLAS on Debian's LibTorch
  double glip = 0;      // glip::ops::mm_out: the backend the model's GEMMs use
  std::string backend;  // its name (glip/ops/gemm.h)
  double best() const { return aten > glip ? aten : glip; }
  std::string describe() const;
  /** The higher rate of each backend, this or `other`. */
  SgemmRates at_least(const SgemmRates& other) const;
};
SgemmRates sgemm_gflops();

/**
 * Times `[M, K] x [K, N]` products of the models' shapes (GLIP-T's fusion projections, BERT, Swin-T, the DCN's
 * column GEMM, the tiny model's) through at::mm_out and through glip::ops::mm_out, best of `repeat` + 1 after a
 * warm-up each; prints one line per shape. Returns the exit code.
 */
int bench_gemm_shapes(int64_t repeat);

/** What the whole-model benchmarks run: the model of a config and one random image with the COCO-80 prompt. */
struct Coco80Run {
  glip::app::GlipConfig cfg;
  glip::modeling::GlipModel model{nullptr};
  glip::text::CategoryQuery query;  // the prompt and its label -> tokens map
  glip::TextBatch text;             // padded to cfg.model.max_query_len
  int64_t real_tokens = 0;
  glip::ImageBatch images;  // [1, 3, H, W], H and W padded to multiples of 32
};

/** Loads `config_path` (InputError naming `part` when empty), builds its model and the input at height x width. */
Coco80Run make_coco80_run(const std::string& config_path, const std::string& part, int64_t height, int64_t width);

/**
 * Times backbone, language backbone and fused head + post-processing of the model of `config_path` (random
 * weights, COCO-80 prompt) at height x width, best of `repeat` runs after a warm-up; prints a summary against
 * the best of the `sgemm` rates and of those measured again after the runs; with `profile` > 0, one more run
 * under an OpProfile (bench_op_profile.h) and its `profile` costliest scopes. Returns the exit code.
 */
int bench_whole_model(const std::string& config_path, int64_t height, int64_t width, int64_t repeat, SgemmRates sgemm,
                      int64_t profile = 0);

/**
 * Times one training step of the model of `config_path` (bench_model_train.cpp): backbone forward, language +
 * head forward with the loss (8 objects on the COCO-80 prompt), backward, AdamW; best of `repeat` steps after a
 * warm-up step; with `profile` > 0, one more step under an OpProfile. Returns the exit code.
 */
int bench_train_step(const std::string& config_path, int64_t height, int64_t width, int64_t repeat,
                     int64_t profile = 0);

}  // namespace glip::bench
