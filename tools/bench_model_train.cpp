// glip_bench_model --part train: one training step of a whole model (forward with the loss, backward, AdamW with
// the official parameter groups) at height x width on the COCO-80 prompt, random weights, every parameter trained.
#include <torch/torch.h>

#include <cstdio>
#include <memory>

#include "bench_model_run.h"
#include "bench_op_profile.h"
#include "glip/engine/optimizer.h"

namespace glip::bench {

int bench_train_step(const std::string& config_path, int64_t height, int64_t width, int64_t repeat, int64_t profile) {
  auto run = make_coco80_run(config_path, "train", height, width);
  const auto& cfg = run.cfg;
  auto& model = run.model;
  const auto& query = run.query;
  const auto& text = run.text;
  const auto& images = run.images;
  const int64_t T = cfg.model.max_query_len, h = images.images.size(2), w = images.images.size(3);
  model->train();
  // Eight objects of the first eight categories, 5% to 35% of the image's width and height, inside the image.
  constexpr int64_t kObjects = 8;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  auto size = (torch::rand({kObjects, 2}, gen) * 0.3 + 0.05) *
              torch::tensor({static_cast<double>(width), static_cast<double>(height)}, torch::kFloat);
  auto x0 = torch::rand({kObjects}, gen) * (static_cast<double>(width) - size.select(1, 0));
  auto y0 = torch::rand({kObjects}, gen) * (static_cast<double>(height) - size.select(1, 1));
  glip::GroundingTarget target;
  target.boxes = torch::stack({x0, y0, x0 + size.select(1, 0), y0 + size.select(1, 1)}, 1);
  target.labels = torch::arange(1, kObjects + 1, torch::kLong);
  target.positive_map = torch::zeros({kObjects, T});
  for (int64_t l = 1; l <= kObjects; ++l) {
    const auto& toks = query.label_to_tokens.at(l);
    for (int64_t t : toks) target.positive_map[l - 1][t] = 1.0 / static_cast<double>(toks.size());
  }
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (const auto& kv : model->named_parameters()) named.emplace_back(kv.key(), kv.value());
  auto specs = glip::engine::build_param_specs(named, cfg.solver);
  const size_t trained = specs.size();
  glip::engine::AdamW opt(std::move(specs), cfg.solver.beta1, cfg.solver.beta2, cfg.solver.eps);
  double best[4] = {1e30, 1e30, 1e30, 1e30};
  std::unique_ptr<OpProfile> prof;
  for (int64_t i = 0; i <= repeat + (profile > 0 ? 1 : 0); ++i) {  // the first step is the warm-up
    if (i > repeat) prof = std::make_unique<OpProfile>();          // one more step, profiled
    const auto t_step = Clock::now();
    auto t0 = Clock::now();
    auto levels = model->visual_features(images.images);
    const double tv = seconds_since(t0);
    t0 = Clock::now();
    auto out = model->forward_features(levels, images.image_sizes, text, {target});
    at::Tensor loss = torch::zeros({});
    for (const auto& kv : out.losses) loss = loss + kv.second;
    const double tf = seconds_since(t0);
    t0 = Clock::now();
    loss.backward();
    const double tb = seconds_since(t0);
    t0 = Clock::now();
    opt.step([](double lr) { return lr; });
    opt.zero_grad();
    const double to = seconds_since(t0);
    std::printf(
        "step %lld: backbone forward %.2f s, language + head forward + loss %.2f s, backward %.2f s, "
        "AdamW %.2f s; loss %.4f\n",
        static_cast<long long>(i), tv, tf, tb, to, loss.item<double>());
    if (prof) {
      prof->print(profile, seconds_since(t_step));
    } else if (i > 0 || repeat == 0) {
      const double t[4] = {tv, tf, tb, to};
      if (tv + tf + tb + to < best[0] + best[1] + best[2] + best[3]) std::copy(t, t + 4, best);
    }
  }
  std::printf(
      "train step %s at %lldx%lld (padded %lldx%lld), COCO-80 prompt, %lld objects, %zu trained "
      "tensors: %.2f s (forward %.2f s = backbone %.2f + language, head and loss %.2f; backward %.2f s; "
      "AdamW %.2f s); threads %d; peak RSS %.2f GiB\n",
      cfg.model.name.c_str(), static_cast<long long>(height), static_cast<long long>(width), static_cast<long long>(h),
      static_cast<long long>(w), static_cast<long long>(kObjects), trained, best[0] + best[1] + best[2] + best[3],
      best[0] + best[1], best[0], best[1], best[2], best[3], torch::get_num_threads(), peak_rss_gib());
  return 0;
}

}  // namespace glip::bench
