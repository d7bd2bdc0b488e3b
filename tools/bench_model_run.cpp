// glip_bench_model's measuring helpers: timing, peak memory, the machine's sgemm throughput and the whole-model
// benchmark (backbone, language backbone, fused head + post-processing on a COCO-80 prompt).
#include "bench_model_run.h"
#include "bench_op_profile.h"

#include <sys/resource.h>
#include <torch/torch.h>

#include <cstdio>
#include <functional>

#include "bench_model_flops.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/core/host_allocator.h"
#include "glip/ops/gemm.h"
#include "glip/text/prompt.h"
#include "glip/text/text_batch.h"

namespace glip::bench {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double peak_rss_gib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / (1024.0 * 1024.0);
}

SgemmRates sgemm_gflops() {
  auto a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
  auto c = torch::empty({2048, 2048});
  auto rate = [&](const std::function<void()>& f) {
    f();  // warm-up: oneDNN generates its kernels at the first call of a shape
    double best = 1e30;
    for (int i = 0; i < 10; ++i) {
      auto t0 = Clock::now();
      f();
      best = std::min(best, seconds_since(t0));
    }
    return 2.0 * 2048.0 * 2048.0 * 2048.0 / best / 1e9;
  };
  SgemmRates r;
  r.aten = rate([&] { at::mm_out(c, a, b); });
  r.glip = rate([&] { glip::ops::mm_out(c, a, b); });
  r.backend = glip::ops::gemm_backend_name(glip::ops::gemm_backend());
  return r;
}

int bench_gemm_shapes(int64_t repeat) {
  struct Shape {
    const char* what;
    int64_t m, k, n;
  };
  const Shape shapes[] = {
      {"2048^3", 2048, 2048, 2048},
      {"GLIP-T fusion v_proj (22,400 pixels, 256 -> 2048)", 22400, 256, 2048},
      {"GLIP-T fusion out_v_proj (2048 -> 256)", 22400, 2048, 256},
      {"GLIP-T fusion scores per head (22,400 x 256 tokens)", 22400, 256, 256},
      {"BERT-base query (256 tokens)", 256, 768, 768},
      {"BERT-base intermediate", 256, 768, 3072},
      {"Swin-T stage-1 qkv (200 x 336 / 4 tokens)", 16800, 96, 288},
      {"Swin-T window product (49 x 32 x 49)", 49, 32, 49},
      {"DCN columns, 256 ch at 100 x 168 (K*C = 2,304)", 256, 2304, 16800},
      {"tiny: fusion projection (4 x 341 pixels, 32 -> 128)", 1364, 32, 128},
      {"tiny: BERT intermediate (4 x 128 tokens, 64 -> 128)", 512, 64, 128},
  };
  for (const auto& s : shapes) {
    auto a = torch::randn({s.m, s.k}), b = torch::randn({s.k, s.n});
    auto c = torch::empty({s.m, s.n});
    auto best = [&](const std::function<void()>& f) {
      f();
      double t = 1e30;
      for (int64_t i = 0; i <= repeat; ++i) {
        auto t0 = Clock::now();
        f();
        t = std::min(t, seconds_since(t0));
      }
      return 2.0 * static_cast<double>(s.m) * s.k * s.n / t / 1e9;
    };
    const double aten = best([&] { at::mm_out(c, a, b); });
    const double ours = best([&] { glip::ops::mm_out(c, a, b); });
    std::printf("%-52s M %6lld K %5lld N %6lld: ATen %6.1f GFLOP/s, glip (%s) %6.1f GFLOP/s, %.2fx\n", s.what,
                static_cast<long long>(s.m), static_cast<long long>(s.k), static_cast<long long>(s.n), aten,
                glip::ops::gemm_backend_name(glip::ops::gemm_backend()), ours, ours / aten);
  }
  std::printf("threads %d\n", torch::get_num_threads());
  return 0;
}

std::string SgemmRates::describe() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "the best measured sgemm %.1f GFLOP/s (ATen at::mm %.1f, glip's %s %.1f)", best(),
                aten, backend.c_str(), glip);
  return buf;
}

SgemmRates SgemmRates::at_least(const SgemmRates& other) const {
  SgemmRates r = *this;
  r.aten = std::max(aten, other.aten);
  r.glip = std::max(glip, other.glip);
  return r;
}

Coco80Run make_coco80_run(const std::string& config_path, const std::string& part, int64_t height, int64_t width) {
  GLIP_CHECK_INPUT(!config_path.empty(), "--part ", part, " needs --config");
  Coco80Run r;
  glip::config::load_file(r.cfg, config_path, {});
  r.model = glip::modeling::build_model(r.cfg.model);
  auto tok = glip::text::make_tokenizer();
  std::map<int64_t, std::string> cats;
  for (size_t i = 0; i < kCoco80.size(); ++i) cats[static_cast<int64_t>(i) + 1] = kCoco80[i];
  r.query = glip::text::create_queries_and_maps(cats, *tok).at(0);
  std::vector<glip::text::Encoding> enc;
  r.text = glip::text::encode_batch(*tok, {r.query.prompt.text}, r.cfg.model.max_query_len, &enc);
  r.real_tokens = static_cast<int64_t>(enc[0].ids.size());
  r.images.images = torch::randn({1, 3, (height + 31) / 32 * 32, (width + 31) / 32 * 32});
  r.images.image_sizes = {{height, width}};
  return r;
}

int bench_whole_model(const std::string& config_path, int64_t height, int64_t width, int64_t repeat, SgemmRates sgemm,
                      int64_t profile) {
  auto run = make_coco80_run(config_path, "model", height, width);
  auto& cfg = run.cfg;
  auto& model = run.model;
  auto& images = run.images;
  const auto& text = run.text;
  const auto& query = run.query;
  const int64_t real_tokens = run.real_tokens, h = images.images.size(2), w = images.images.size(3);
  model->eval();
  int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();
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
    std::printf(
        "run %lld: backbone %.2f s, language %.2f s, language + fused head + post-processing %.2f s, "
        "%lld detections\n",
        static_cast<long long>(i), tv, tl, tr, static_cast<long long>(out.detections.at(0).scores.numel()));
    if (i > 0 || repeat == 0) t_vis = std::min(t_vis, tv), t_lang = std::min(t_lang, tl), t_rest = std::min(t_rest, tr);
  }
  if (profile > 0) {
    OpProfile prof;
    auto t0 = Clock::now();
    model->forward_features(model->visual_features(images.images), images.image_sizes, text, {},
                            {query.label_to_tokens});
    prof.print(profile, seconds_since(t0));
  }
  sgemm = sgemm.at_least(sgemm_gflops());
  const double peak = sgemm.best();
  const auto fl = model_gflops(cfg.model, h, w, cfg.model.max_query_len);
  const double total = t_vis + t_rest;
  std::printf(
      "model %s at %lldx%lld (padded %lldx%lld), COCO-80 prompt (%lld real tokens, padded to %lld): "
      "%.2f s forward (backbone %.2f s, language %.2f s, rest %.2f s); analytic %.0f GFLOP (backbone %.0f, "
      "BERT %.0f, head %.0f) = %.1f GFLOP/s = %.0f%% of %s; %lld parameters; "
      "threads %d; peak RSS %.2f GiB\n",
      cfg.model.name.c_str(), static_cast<long long>(height), static_cast<long long>(width), static_cast<long long>(h),
      static_cast<long long>(w), static_cast<long long>(real_tokens), static_cast<long long>(cfg.model.max_query_len),
      total, t_vis, t_lang, t_rest - t_lang, fl.total(), fl.backbone, fl.bert, fl.head, fl.total() / total,
      100.0 * fl.total() / total / peak, sgemm.describe().c_str(), static_cast<long long>(params),
      torch::get_num_threads(), peak_rss_gib());
  if (fl.unfolded > 0) {
    const double done = fl.total() - fl.unfolded;
    std::printf(
        "folded fusion blocks: %.0f GFLOP computed of the analytic %.0f = %.1f GFLOP/s = %.0f%% of the sgemm rate\n",
        done, fl.total(), done / total, 100.0 * done / total / peak);
  }
  const auto lb = large_block_stats();
  if (large_block_allocator_installed())
    std::printf("large-block allocator: peak %.2f GiB mapped (live + cached), %lld maps, %lld reuses, %lld gathers\n",
                static_cast<double>(lb.peak_bytes) / (1 << 30), static_cast<long long>(lb.maps),
                static_cast<long long>(lb.reuses), static_cast<long long>(lb.gathers));
  return 0;
}

}  // namespace glip::bench
