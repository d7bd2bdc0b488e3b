// Times GLIP model parts on this machine with random weights: seconds, peak RSS, analytic GFLOPs and the share
// of the measured sgemm throughput they reach.
//   glip_bench_model --part fusion --height 800 --width 1333 --tokens 256
//   glip_bench_model --part model --config configs/model/glip_t.yaml   (whole model, 80-class COCO prompt)
//   glip_bench_model --part train --config configs/model/glip_t.yaml   (one training step of the whole model)
//   glip_bench_model --part gemm --threads 1                           (the model's GEMM shapes, ATen and glip)
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <cstdio>
#include <functional>

#include "bench_model_flops.h"
#include "bench_model_run.h"
#include "bench_op_profile.h"
#include "cli_common.h"
#include "glip/config/runtime.h"
#include "glip/modeling/fusion/bi_attention.h"
#include "glip/modeling/language/bert.h"

using glip::bench::Clock;
using glip::bench::peak_rss_gib;
using glip::bench::seconds_since;

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"Benchmark GLIP model parts (random weights; eval mode without grad, or one training step)"};
    std::string part = "fusion";
    int64_t height = 800, width = 1333, tokens = 256, threads = 0, repeat = 1, profile = 0;
    std::string config_path;
    app.add_option("--part", part,
                   "fusion (one VLFuse block, GLIP-T sizes) | bert (BERT-base) | model (--config) | train (one "
                   "training step of --config) | gemm (GEMM shapes of the models, ATen against glip's backend)")
        ->check(CLI::IsMember({"fusion", "bert", "model", "train", "gemm"}));
    app.add_option("--config", config_path, "model config for --part model (e.g. configs/model/glip_t.yaml)");
    app.add_option("--height", height, "image height before padding");
    app.add_option("--width", width, "image width before padding");
    app.add_option("--tokens", tokens,
                   "text length of --part fusion/bert (256 = GLIP's padded length); --part model pads the "
                   "COCO-80 prompt to the config's model.max_query_len");
    app.add_option("--threads", threads, "torch intra-op threads (0 = default)");
    app.add_option("--repeat", repeat, "timed runs after one warm-up; the best is reported");
    app.add_option("--profile", profile,
                   "after the timed runs, one more run timed by RecordFunction scopes (ATen's operators, glip's "
                   "operations and model blocks); prints the N with the most self time (0 = none)");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    if (threads > 0) torch::set_num_threads(static_cast<int>(threads));
    glip::config::keep_freed_heap();  // the heap as glip_infer and glip_eval run the model
    torch::manual_seed(0);
    if (part == "train") return glip::bench::bench_train_step(config_path, height, width, repeat, profile);
    if (part == "gemm") return glip::bench::bench_gemm_shapes(repeat);
    torch::NoGradGuard ng;
    auto sgemm = glip::bench::sgemm_gflops();
    double gflops = 0, best = 1e30;
    std::function<void()> run;
    glip::modeling::VLFuse fuse{nullptr};
    glip::modeling::BertModel bert{nullptr};
    std::vector<at::Tensor> levels;
    at::Tensor hidden, mask, ids;
    if (part == "model") return glip::bench::bench_whole_model(config_path, height, width, repeat, sgemm, profile);
    if (part == "fusion") {
      glip::modeling::BiAttentionOptions o;  // GLIP-T: 256 / 768 / 2048 / 8 heads
      fuse = glip::modeling::VLFuse(o);
      fuse->eval();
      int64_t N = 0;
      for (auto [h, w] : glip::bench::pyramid(height, width)) {
        levels.push_back(torch::randn({1, 256, h, w}));
        N += h * w;
      }
      hidden = torch::randn({1, tokens, 768});
      mask = torch::ones({1, tokens}, at::kLong);
      const auto fl = glip::modeling::bi_attention_flops(o, N, tokens);
      gflops = fl.official / 1e9;
      if (fl.fold_pays())
        std::printf("inference folds the block: %.1f GFLOP computed of the official %.1f\n", fl.folded / 1e9,
                    fl.official / 1e9);
      run = [&] { fuse->forward(levels, hidden, mask); };
      std::printf("fusion block: %lld pixels (P3..P7) x %lld tokens\n", static_cast<long long>(N),
                  static_cast<long long>(tokens));
    } else {
      bert = glip::modeling::BertModel(glip::modeling::BertOptions{});
      bert->eval();
      ids = torch::randint(0, 30522, {1, tokens});
      mask = torch::ones({1, tokens}, at::kLong);
      gflops = glip::bench::bert_gflops(12, tokens, 768, 3072);
      run = [&] { bert->forward(ids, mask); };
    }
    run();
    for (int64_t i = 0; i < repeat; ++i) {
      auto t0 = Clock::now();
      run();
      best = std::min(best, seconds_since(t0));
    }
    if (profile > 0) {
      glip::bench::OpProfile prof;
      auto t0 = Clock::now();
      run();
      prof.print(profile, seconds_since(t0));
    }
    sgemm = sgemm.at_least(glip::bench::sgemm_gflops());
    const double peak = sgemm.best();
    std::printf(
        "part %s: %.3f s, %.1f GFLOP analytic, %.1f GFLOP/s = %.0f%% of %s, "
        "threads %d, peak RSS %.2f GiB\n",
        part.c_str(), best, gflops, gflops / best, 100.0 * gflops / best / peak, sgemm.describe().c_str(),
        torch::get_num_threads(), peak_rss_gib());
    return 0;
  });
}
