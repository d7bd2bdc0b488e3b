// glip_bench_model's measuring helpers (bench_model_run.cpp).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace glip::bench {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0);

/** Peak resident memory of this process so far, GiB. */
double peak_rss_gib();

/** Measured fp32 matmul throughput (GFLOP/s) of a 2048^3 product, best of 3. */
double sgemm_gflops();

/**
 * Times backbone, language backbone and fused head + post-processing of the model of `config_path` (random
 * weights, COCO-80 prompt) at height x width, best of `repeat` runs after a warm-up; prints a summary against
 * `peak` GFLOP/s. Returns the exit code.
 */
int bench_whole_model(const std::string& config_path, int64_t height, int64_t width, int64_t repeat, double peak);

/**
 * Times one training step of the model of `config_path` (bench_model_train.cpp): backbone forward, language +
 * head forward with the loss (8 objects on the COCO-80 prompt), backward, AdamW; best of `repeat` steps after a
 * warm-up step. Returns the exit code.
 */
int bench_train_step(const std::string& config_path, int64_t height, int64_t width, int64_t repeat);

}  // namespace glip::bench
