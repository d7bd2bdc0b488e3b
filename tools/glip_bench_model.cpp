// Times GLIP model parts on this machine with random weights: seconds, peak RSS, analytic GFLOPs and the share
// of the measured sgemm throughput they reach.
//   glip_bench_model --part fusion --height 800 --width 1333 --tokens 256
#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "cli_common.h"
#include "glip/core/error.h"
#include "glip/modeling/fusion/bi_attention.h"
#include "glip/modeling/language/bert.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double peak_rss_gib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / (1024.0 * 1024.0);
}

/** Measured fp32 matmul throughput (GFLOP/s) of a 2048^3 product, best of 3. */
double sgemm_gflops() {
  auto a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
  double best = 1e30;
  for (int i = 0; i < 3; ++i) {
    auto t0 = Clock::now();
    auto c = at::mm(a, b);
    best = std::min(best, seconds_since(t0));
  }
  return 2.0 * 2048.0 * 2048.0 * 2048.0 / best / 1e9;
}

/** Pyramid P3..P7 sizes of an image padded to a multiple of 32. */
std::vector<std::pair<int64_t, int64_t>> pyramid(int64_t h, int64_t w) {
  h = (h + 31) / 32 * 32;
  w = (w + 31) / 32 * 32;
  std::vector<std::pair<int64_t, int64_t>> s;
  int64_t ch = h / 8, cw = w / 8;
  for (int l = 0; l < 5; ++l) {
    s.emplace_back(ch, cw);
    ch = (ch + 1) / 2;
    cw = (cw + 1) / 2;
  }
  return s;
}

/** Analytic GFLOPs (2 per multiply-add) of one VLFuse block for one image. */
double fusion_gflops(int64_t N, int64_t T, int64_t Cv, int64_t Cl, int64_t E) {
  double f = 2.0 * 2 * N * Cv * E + 2.0 * 2 * T * Cl * E;  // v/values_v and l/values_l projections
  f += 3 * 2.0 * N * T * E;                                // scores, image-side and text-side outputs
  f += 2.0 * N * E * Cv + 2.0 * T * E * Cl;                // output projections
  return f / 1e9;
}

/** Analytic GFLOPs of BERT-style layers on T tokens. */
double bert_gflops(int64_t layers, int64_t T, int64_t C, int64_t I) {
  double per = 2.0 * T * C * C * 4 + 2.0 * 2 * T * T * C + 2.0 * 2 * T * C * I;
  return layers * per / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&] {
    CLI::App app{"Benchmark GLIP model parts (random weights, eval mode, no grad)"};
    std::string part = "fusion";
    int64_t height = 800, width = 1333, tokens = 256, threads = 0, repeat = 1;
    app.add_option("--part", part, "fusion (one VLFuse block, GLIP-T sizes) | bert (BERT-base)")
        ->check(CLI::IsMember({"fusion", "bert"}));
    app.add_option("--height", height, "image height before padding");
    app.add_option("--width", width, "image width before padding");
    app.add_option("--tokens", tokens, "text length (256 = GLIP's padded length)");
    app.add_option("--threads", threads, "torch intra-op threads (0 = default)");
    app.add_option("--repeat", repeat, "timed runs after one warm-up; the best is reported");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    if (threads > 0) torch::set_num_threads(static_cast<int>(threads));
    torch::NoGradGuard ng;
    torch::manual_seed(0);
    const double peak = sgemm_gflops();
    double gflops = 0, best = 1e30;
    std::function<void()> run;
    glip::modeling::VLFuse fuse{nullptr};
    glip::modeling::BertModel bert{nullptr};
    std::vector<at::Tensor> levels;
    at::Tensor hidden, mask, ids;
    if (part == "fusion") {
      glip::modeling::BiAttentionOptions o;  // GLIP-T: 256 / 768 / 2048 / 8 heads
      fuse = glip::modeling::VLFuse(o);
      fuse->eval();
      int64_t N = 0;
      for (auto [h, w] : pyramid(height, width)) {
        levels.push_back(torch::randn({1, 256, h, w}));
        N += h * w;
      }
      hidden = torch::randn({1, tokens, 768});
      mask = torch::ones({1, tokens}, at::kLong);
      gflops = fusion_gflops(N, tokens, 256, 768, 2048);
      run = [&] { fuse->forward(levels, hidden, mask); };
      std::printf("fusion block: %lld pixels (P3..P7) x %lld tokens\n", static_cast<long long>(N),
                  static_cast<long long>(tokens));
    } else {
      bert = glip::modeling::BertModel(glip::modeling::BertOptions{});
      bert->eval();
      ids = torch::randint(0, 30522, {1, tokens});
      mask = torch::ones({1, tokens}, at::kLong);
      gflops = bert_gflops(12, tokens, 768, 3072);
      run = [&] { bert->forward(ids, mask); };
    }
    run();
    for (int64_t i = 0; i < repeat; ++i) {
      auto t0 = Clock::now();
      run();
      best = std::min(best, seconds_since(t0));
    }
    std::printf("part %s: %.3f s, %.1f GFLOP analytic, %.1f GFLOP/s = %.0f%% of measured sgemm %.1f GFLOP/s, "
                "threads %d, peak RSS %.2f GiB\n",
                part.c_str(), best, gflops, gflops / best, 100.0 * gflops / best / peak, peak,
                torch::get_num_threads(), peak_rss_gib());
    return 0;
  });
}
