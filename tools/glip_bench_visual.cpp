// Benchmarks of the visual side: Swin+FPN forward at a given size (seconds, peak RSS), the modulated
// deformable conv against a plain conv of the same shape (forward and backward), and parameter counts.
#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

#include "cli_common.h"
#include "glip/config/runtime.h"
#include "glip/core/error.h"
#include "glip/modeling/backbone/backbone.h"
#include "glip/modeling/head/dyconv.h"
#include "glip/ops/deform_conv.h"

namespace {

double peak_rss_gib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / (1024.0 * 1024.0);  // ru_maxrss is KiB on Linux
}

// Runs fn `repeat` times (after `warmup` runs); returns {min, mean} seconds.
std::pair<double, double> time_it(const std::function<void()>& fn, int repeat, int warmup) {
  for (int i = 0; i < warmup; ++i) fn();
  double best = 1e30, sum = 0;
  for (int i = 0; i < repeat; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, s), sum += s;
  }
  return {best, sum / repeat};
}

// Runs a and b in turns, `repeat` times each (after `warmup` runs of each), so that both see the same load (this
// VM's speed drifts within seconds); returns {min, mean} seconds of each.
std::pair<std::pair<double, double>, std::pair<double, double>> time_in_turns(const std::function<void()>& a,
                                                                              const std::function<void()>& b,
                                                                              int repeat, int warmup) {
  for (int i = 0; i < warmup; ++i) a(), b();
  std::pair<double, double> ta{1e30, 0}, tb{1e30, 0};
  for (int i = 0; i < repeat; ++i) {
    for (auto [fn, t] : {std::pair{&a, &ta}, std::pair{&b, &tb}}) {
      const auto t0 = std::chrono::steady_clock::now();
      (*fn)();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      t->first = std::min(t->first, s), t->second += s / repeat;
    }
  }
  return {ta, tb};
}

int64_t count(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

void bench_backbone(const std::string& variant, int64_t h, int64_t w, int repeat) {
  using glip::modeling::BackboneOptions;
  auto o = variant == "glip_l" ? BackboneOptions::glip_l()
           : variant == "tiny" ? BackboneOptions::tiny()
                               : BackboneOptions::glip_t();
  GLIP_CHECK_INPUT(variant == "glip_t" || variant == "glip_l" || variant == "tiny", "--variant: unknown '", variant,
                   "' (expected glip_t, glip_l or tiny)");
  glip::modeling::Backbone b(o);
  b->eval();
  torch::NoGradGuard ng;
  auto x = at::randn({1, 3, h, w});
  auto [best, mean] = time_it([&] { b(x); }, repeat, 0);
  std::printf("backbone %s %lldx%lld: forward min %.3f s, mean %.3f s over %d runs; peak RSS %.2f GiB\n",
              variant.c_str(), static_cast<long long>(h), static_cast<long long>(w), best, mean, repeat,
              peak_rss_gib());
}

void bench_dcn(int64_t c, int64_t h, int64_t w, int repeat) {
  auto x = at::randn({1, c, h, w});
  auto off = at::randn({1, 18, h, w});
  auto mask = at::rand({1, 9, h, w});
  auto wt = at::randn({c, c, 3, 3}) * 0.02, bias = at::randn({c});
  {
    torch::NoGradGuard ng;
    auto dcn_fn = [&] { glip::ops::modulated_deform_conv2d(x, off, mask, wt, bias, 1, 1, 1); };
    auto conv_fn = [&] { at::conv2d(x, wt, bias, {1, 1}, {1, 1}); };
    auto [dcn, conv] = time_in_turns(dcn_fn, conv_fn, repeat, 1);
    std::printf("forward  %lldch %lldx%lld: DCN min %.3f s mean %.3f s | conv2d min %.3f s mean %.3f s | ratio %.2f\n",
                static_cast<long long>(c), static_cast<long long>(h), static_cast<long long>(w), dcn.first, dcn.second,
                conv.first, conv.second, dcn.first / conv.first);
  }
  auto xg = x.clone().requires_grad_(true), og = off.clone().requires_grad_(true);
  auto mg = mask.clone().requires_grad_(true), wg = wt.clone().requires_grad_(true);
  auto bg = bias.clone().requires_grad_(true);
  auto dcn_fn = [&] { glip::ops::modulated_deform_conv2d(xg, og, mg, wg, bg, 1, 1, 1).sum().backward(); };
  auto conv_fn = [&] { at::conv2d(xg, wg, bg, {1, 1}, {1, 1}).sum().backward(); };
  auto [dcn, conv] = time_in_turns(dcn_fn, conv_fn, repeat, 1);
  std::printf("fwd+bwd  %lldch %lldx%lld: DCN min %.3f s mean %.3f s | conv2d min %.3f s mean %.3f s | ratio %.2f\n",
              static_cast<long long>(c), static_cast<long long>(h), static_cast<long long>(w), dcn.first, dcn.second,
              conv.first, conv.second, dcn.first / conv.first);
}

void print_params() {
  using namespace glip::modeling;
  for (auto [name, o] : std::vector<std::pair<std::string, BackboneOptions>>{{"glip_t", BackboneOptions::glip_t()},
                                                                             {"glip_l", BackboneOptions::glip_l()},
                                                                             {"tiny", BackboneOptions::tiny()}}) {
    Backbone b(o);
    std::printf("params %s: swin %lld, fpn %lld, backbone %lld\n", name.c_str(),
                static_cast<long long>(count(b->body())), static_cast<long long>(count(*b->fpn)),
                static_cast<long long>(count(*b)));
  }
  std::printf("params DyConv(256): %lld; DyConv(32): %lld\n", static_cast<long long>(count(*DyConv(DyConvOptions{}))),
              static_cast<long long>(count(*DyConv(DyConvOptions{32, 32}))));
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"glip_bench_visual: Swin+FPN forward time / peak memory, DCN vs conv, parameter counts"};
    std::string what = "all", variant = "glip_t";
    int64_t height = 800, width = 1333, dcn_channels = 256, dcn_h = 100, dcn_w = 168;
    int repeat = 3, threads = 2;
    app.add_option("--what", what, "backbone | dcn | params | all")
        ->check(CLI::IsMember({"backbone", "dcn", "params", "all"}));
    app.add_option("--variant", variant, "glip_t | glip_l | tiny (backbone benchmark)");
    app.add_option("--height", height, "image height");
    app.add_option("--width", width, "image width");
    app.add_option("--dcn-channels", dcn_channels, "DCN channels");
    app.add_option("--dcn-height", dcn_h, "DCN map height");
    app.add_option("--dcn-width", dcn_w, "DCN map width");
    app.add_option("--repeat", repeat, "timed runs")->check(CLI::PositiveNumber);
    app.add_option("--threads", threads, "intra-op threads")->check(CLI::PositiveNumber);
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    at::set_num_threads(threads);
    glip::config::keep_freed_heap();  // the heap as the tools run the model
    std::printf("threads %d\n", at::get_num_threads());
    if (what == "params" || what == "all") print_params();
    if (what == "dcn" || what == "all") bench_dcn(dcn_channels, dcn_h, dcn_w, repeat);
    if (what == "backbone" || what == "all") bench_backbone(variant, height, width, repeat);
    return glip::cli::kOk;
  });
}
