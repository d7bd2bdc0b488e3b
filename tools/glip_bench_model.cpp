// Times GLIP model parts on this machine with random weights: seconds, peak RSS, analytic GFLOPs and the share
// of the measured sgemm throughput they reach.
//   glip_bench_model --part fusion --height 800 --width 1333 --tokens 256
//   glip_bench_model --part model --config configs/model/glip_t.yaml   (whole model, 80-class COCO prompt)
#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "bench_model_flops.h"
#include "cli_common.h"
#include "glip/app/glip_config.h"
#include "glip/core/error.h"
#include "glip/text/prompt.h"
#include "glip/text/text_batch.h"
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

/** Times backbone, language backbone and fused head + post-processing of a whole model; prints a summary. */
int bench_whole_model(const std::string& config_path, int64_t height, int64_t width, int64_t repeat, double peak) {
  GLIP_CHECK_INPUT(!config_path.empty(), "--part model needs --config");
  glip::app::GlipConfig cfg;
  glip::config::load_file(cfg, config_path, {});
  auto model = glip::modeling::build_model(cfg.model);
  model->eval();
  int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();
  auto tok = glip::text::make_tokenizer();
  std::map<int64_t, std::string> cats;
  for (size_t i = 0; i < glip::bench::kCoco80.size(); ++i) cats[static_cast<int64_t>(i) + 1] = glip::bench::kCoco80[i];
  auto query = glip::text::create_queries_and_maps(cats, *tok).at(0);
  std::vector<glip::text::Encoding> enc;
  auto text = glip::text::encode_batch(*tok, {query.prompt.text}, cfg.model.max_query_len, &enc);
  const int64_t real_tokens = static_cast<int64_t>(enc[0].ids.size());
  const auto [h, w] = std::pair<int64_t, int64_t>{(height + 31) / 32 * 32, (width + 31) / 32 * 32};
  glip::ImageBatch images;
  images.images = torch::randn({1, 3, h, w});
  images.image_sizes = {{height, width}};
  double t_vis = 1e30, t_rest = 1e30, t_lang = 1e30;
  for (int64_t i = 0; i <= repeat; ++i) {  // the first run is the warm-up
    auto t0 = Clock::now();
    auto levels = model->visual_features(images.images);
    const double tv = seconds_since(t0);
    t0 = Clock::now();
    model->language_backbone(text);
    const double tl = seconds_since(t0);
    t0 = Clock::now();
    auto out = model->forward_features(levels, images.image_sizes, text, {}, {query.label_to_tokens});
    const double tr = seconds_since(t0);
    std::printf("run %lld: backbone %.2f s, language %.2f s, language + fused head + post-processing %.2f s, "
                "%lld detections\n", static_cast<long long>(i), tv, tl, tr,
                static_cast<long long>(out.detections.at(0).scores.numel()));
    if (i > 0 || repeat == 0) t_vis = std::min(t_vis, tv), t_lang = std::min(t_lang, tl), t_rest = std::min(t_rest, tr);
  }
  const auto fl = glip::bench::model_gflops(cfg.model, h, w, cfg.model.max_query_len);
  const double total = t_vis + t_rest;
  std::printf("model %s at %lldx%lld (padded %lldx%lld), COCO-80 prompt (%lld real tokens, padded to %lld): "
              "%.2f s forward (backbone %.2f s, language %.2f s, rest %.2f s); analytic %.0f GFLOP (backbone %.0f, "
              "BERT %.0f, head %.0f) = %.1f GFLOP/s = %.0f%% of measured sgemm %.1f GFLOP/s; %lld parameters; "
              "threads %d; peak RSS %.2f GiB\n",
              cfg.model.name.c_str(), static_cast<long long>(height), static_cast<long long>(width),
              static_cast<long long>(h), static_cast<long long>(w), static_cast<long long>(real_tokens),
              static_cast<long long>(cfg.model.max_query_len), total, t_vis, t_lang, t_rest - t_lang, fl.total(),
              fl.backbone, fl.bert, fl.head, fl.total() / total, 100.0 * fl.total() / total / peak, peak,
              static_cast<long long>(params), torch::get_num_threads(), peak_rss_gib());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"Benchmark GLIP model parts (random weights, eval mode, no grad)"};
    std::string part = "fusion";
    int64_t height = 800, width = 1333, tokens = 256, threads = 0, repeat = 1;
    std::string config_path;
    app.add_option("--part", part, "fusion (one VLFuse block, GLIP-T sizes) | bert (BERT-base) | model (--config)")
        ->check(CLI::IsMember({"fusion", "bert", "model"}));
    app.add_option("--config", config_path, "model config for --part model (e.g. configs/model/glip_t.yaml)");
    app.add_option("--height", height, "image height before padding");
    app.add_option("--width", width, "image width before padding");
    app.add_option("--tokens", tokens,
                   "text length of --part fusion/bert (256 = GLIP's padded length); --part model pads the "
                   "COCO-80 prompt to the config's model.max_query_len");
    app.add_option("--threads", threads, "torch intra-op threads (0 = default)");
    app.add_option("--repeat", repeat, "timed runs after one warm-up; the best is reported");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
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
    if (part == "model") return bench_whole_model(config_path, height, width, repeat, peak);
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
      gflops = glip::bench::fusion_gflops(N, tokens, 256, 768, 2048);
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
    std::printf("part %s: %.3f s, %.1f GFLOP analytic, %.1f GFLOP/s = %.0f%% of measured sgemm %.1f GFLOP/s, "
                "threads %d, peak RSS %.2f GiB\n",
                part.c_str(), best, gflops, gflops / best, 100.0 * gflops / best / peak, peak,
                torch::get_num_threads(), peak_rss_gib());
    return 0;
  });
}
