// One training step of the whole GLIP model against the official modules (issue #15): same initial weights and
// batch as tests/data/glip_parity/train_step.safetensors (made by make_train_step_fixture.py with the official
// GeneralizedVLRCNN + make_optimizer), then the same losses, the same gradient of every parameter (by official
// state-dict name), the same global gradient norm, and the same parameters after one clipped AdamW step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/test_utils.h"
#include "glip/engine/optimizer.h"
#include "glip/engine/solver.h"
#include "glip/engine/tuning.h"
#include "glip/io/safetensors.h"
#include "glip/modeling/glip_model.h"

namespace glip::modeling {
namespace {

bool is_data_key(const std::string& k) {
  for (const char* p : {"input.", "output.", "grad.", "after."})
    if (k.rfind(p, 0) == 0) return true;
  return false;
}

/** The configuration of the fixture (train_step.json): the official small GLIP-T with no randomness. */
GlipModelOptions fixture_options() {
  GlipModelOptions o;
  o.backbone = BackboneOptions::tiny(12, 32);  // Swin embed 12, depths 2-2-2-2, heads 1-2-3-4, window 7
  o.backbone.swin.drop_path_rate = 0.0;
  o.backbone.drop_block = false;
  auto& b = o.language.bert;
  b.vocab_size = 100;
  b.hidden_size = 48;
  b.num_layers = 2;
  b.num_heads = 4;
  b.intermediate_size = 96;
  b.max_position_embeddings = 32;
  b.hidden_dropout = b.attention_dropout = 0.0;
  o.head.channels = 32;
  o.head.num_convs = 2;
  o.head.num_classes = 80;
  o.head.fusion.embed_dim = 128;
  o.head.fusion.num_heads = 4;
  o.head.fusion.dropout = 0.0;
  o.head.dyconv.use_deform = false;
  return o;
}

bool is_key_bias(const std::string& k) {
  const std::string suffix = "attention.self.key.bias";
  return k.size() >= suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/** max |a - b| / max |b| (the error relative to the tensor's scale). */
double scaled_err(const at::Tensor& a, const at::Tensor& b) {
  const double scale = std::max(b.abs().max().item<double>(), 1e-30);
  return (a - b).abs().max().item<double>() / scale;
}

struct Worst {
  std::string name;
  double err;
};

void print_worst(const char* what, std::vector<Worst> w, size_t n) {
  std::sort(w.begin(), w.end(), [](const Worst& a, const Worst& b) { return a.err > b.err; });
  std::printf("%s: %zu tensors, largest errors (max|diff| / max|official|):\n", what, w.size());
  for (size_t i = 0; i < w.size() && i < n; ++i) std::printf("  %-70s %.3e\n", w[i].name.c_str(), w[i].err);
}

TEST(TrainStepParity, LossesGradientsAndOneAdamWStepMatchTheOfficialModel) {
  torch::manual_seed(0);
  const auto f = io::load_safetensors(test::parity_dir() + "/train_step.safetensors").tensors;
  GlipModel model(fixture_options());

  // Initial weights: every official state-dict entry, by name; the key sets must be equal.
  std::set<std::string> official;
  for (auto& [k, v] : f)
    if (!is_data_key(k)) official.insert(k);
  std::map<std::string, at::Tensor> own;
  for (auto& p : model->named_parameters()) own[p.key()] = p.value();
  for (auto& p : model->named_buffers()) own[p.key()] = p.value();
  {
    torch::NoGradGuard g;
    for (auto& [k, t] : own) {
      auto it = f.find(k);
      ASSERT_TRUE(it != f.end()) << "the official model has no " << k;
      ASSERT_EQ(it->second.sizes(), t.sizes()) << k;
      t.copy_(it->second);
    }
  }
  for (const auto& k : official) EXPECT_TRUE(own.count(k)) << "missing official key " << k;

  // The batch.
  ImageBatch images;
  images.images = f.at("input.images");
  const auto sizes = f.at("input.image_sizes_hw");
  for (int64_t i = 0; i < sizes.size(0); ++i)
    images.image_sizes.push_back({sizes[i][0].item<int64_t>(), sizes[i][1].item<int64_t>()});
  TextBatch text;
  text.input_ids = f.at("input.input_ids");
  text.attention_mask = f.at("input.attention_mask");
  text.token_type_ids = at::zeros_like(text.input_ids);
  std::vector<GroundingTarget> targets;
  int64_t row = 0;
  for (int i = 0; i < 2; ++i) {
    GroundingTarget t;
    t.boxes = f.at("input.targets." + std::to_string(i) + ".boxes");
    t.labels = f.at("input.targets." + std::to_string(i) + ".labels");
    t.positive_map = f.at("input.positive_map").narrow(0, row, t.boxes.size(0));
    row += t.boxes.size(0);
    targets.push_back(t);
  }

  // The trainer's set-up: training mode "full", the official parameter groups.
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (auto& p : model->named_parameters()) named.emplace_back(p.key(), p.value());
  engine::apply_training_mode(named, "full", -1);
  engine::SolverOptions solver;  // GLIP-T: base_lr 1e-4, lang_lr 1e-5, weight decay 1e-4, bias x2 and no decay
  auto specs = engine::build_param_specs(named, solver);
  {
    // The groups against the official make_optimizer's (train_step.json: name -> [lr, weight_decay]). The official
    // model leaves cls_logits out (requires_grad False under the dot-product token loss); the trainer here keeps
    // them, with a zero gradient.
    std::ifstream js(test::parity_dir() + "/train_step.json");
    ASSERT_TRUE(js.good());
    const auto groups = nlohmann::json::parse(js).at("param_groups");
    size_t matched = 0;
    for (const auto& s : specs) {
      if (!groups.contains(s.name)) {
        EXPECT_NE(s.name.find("rpn.head.cls_logits."), std::string::npos) << s.name << " is not trained officially";
        continue;
      }
      ++matched;
      EXPECT_DOUBLE_EQ(s.base_lr, groups.at(s.name).at(0).get<double>()) << "lr of " << s.name;
      EXPECT_DOUBLE_EQ(s.weight_decay, groups.at(s.name).at(1).get<double>()) << "weight decay of " << s.name;
    }
    EXPECT_EQ(matched, groups.size()) << "official trainable parameters missing from the groups here";
  }
  std::map<std::string, at::Tensor> before;
  for (auto& [k, p] : named) before[k] = p.detach().clone();

  model->train();
  auto out = model->forward(images, text, targets);
  at::Tensor total = at::zeros({}, at::kFloat);
  for (const char* k : {"loss_reg", "loss_centerness", "loss_cls", "loss_dot_product_token"}) {
    const auto& got = out.losses.at(k);
    const auto want = f.at(std::string("output.") + k);
    std::printf("%-24s C++ %.8f  official %.8f  rel %.3e\n", k, got.item<double>(), want.item<double>(),
                std::abs(got.item<double>() - want.item<double>()) / std::max(std::abs(want.item<double>()), 1e-30));
    EXPECT_TRUE(test::all_close(got.reshape({1}), want, 1e-4, 1e-6, k));
    total = total + got;
  }
  EXPECT_TRUE(test::all_close(total.reshape({1}), f.at("output.loss_total"), 1e-4, 1e-6, "loss_total"));
  total.backward();

  // Gradients, by official name. Parameters the official model does not train (cls_logits: requires_grad False
  // with the dot-product token loss) have no grad.* entry; here their gradient must be zero (loss_cls x 0).
  // The key bias of a BERT self-attention has an exactly zero gradient (it adds q.b_k to every score of a query
  // row, which the softmax ignores): both sides hold rounding noise there, which must stay far below the
  // gradient of the query bias of the same layer.
  std::vector<Worst> grad_errs;
  std::vector<at::Tensor> trainable;
  for (auto& [k, p] : named) {
    if (!p.requires_grad()) continue;
    trainable.push_back(p);
    ASSERT_TRUE(p.grad().defined()) << "no gradient for " << k;
    auto it = f.find("grad." + k);
    if (it == f.end()) {
      EXPECT_EQ(p.grad().abs().max().item<double>(), 0.0) << k << " has no official gradient but a non-zero one here";
      continue;
    }
    if (is_key_bias(k)) {
      const double q = f.at("grad." + k.substr(0, k.size() - 8) + "query.bias").abs().max().item<double>();
      const double e = std::max(p.grad().abs().max().item<double>(), it->second.abs().max().item<double>()) / q;
      std::printf("%-70s zero in exact arithmetic: max |grad| / max |query.bias grad| = %.2e\n", k.c_str(), e);
      EXPECT_LE(e, 1e-5) << k;
      continue;
    }
    const double e = scaled_err(p.grad(), it->second);
    grad_errs.push_back({k, e});
    EXPECT_LE(e, 1e-4) << "gradient of " << k;
  }
  for (auto& [k, v] : f) {
    if (k.rfind("grad.", 0) == 0) {
      EXPECT_TRUE(own.count(k.substr(5))) << k;
    }
  }
  print_worst("gradients", grad_errs, 12);

  // One optimiser step: the full-model clip at 1.0, then AdamW at the groups' base learning rates.
  const double norm = engine::clip_grad_norm(trainable, 1.0);
  const double want_norm = f.at("output.grad_norm").item<double>();
  std::printf("grad norm before clipping: C++ %.6f official %.6f\n", norm, want_norm);
  EXPECT_NEAR(norm, want_norm, 1e-5 * want_norm);
  std::map<std::string, double> lr_of_param;
  for (const auto& s : specs) lr_of_param[s.name] = s.base_lr;
  engine::AdamW opt(specs, solver.beta1, solver.beta2, solver.eps);
  opt.step([](double base_lr) { return base_lr; });

  // Parameters after the step. The first AdamW step moves an element by lr * g / (|g| + eps) (+ the decay): about
  // lr wherever |g| >> eps, whatever |g|. So a gradient error d (up to the 1e-4 * max|g| allowed above) changes the
  // step of an element by at most lr * min(2, 2 d / (|g| + eps)): that is the tolerance per element (g the
  // official clipped gradient), plus 2e-7 |p| of rounding. The error is reported against the largest official step.
  const double clip_coef = std::min(1.0, 1.0 / (want_norm + 1e-6));
  std::vector<Worst> step_errs;
  for (auto& [k, p] : named) {
    auto it = f.find("after." + k);
    const at::Tensor want = it == f.end() ? before.at(k) : it->second;  // untrained official params stay
    const at::Tensor got = p.detach();
    if (is_key_bias(k)) {
      // Noise-driven on both sides: only the bound of one step (|update| <= lr, no decay on biases) is checked.
      const double lr = lr_of_param.at(k);
      EXPECT_LE((got - before.at(k)).abs().max().item<double>(), lr * (1 + 1e-6)) << k;
      EXPECT_LE((want - before.at(k)).abs().max().item<double>(), lr * (1 + 1e-6)) << k;
      continue;
    }
    const double max_step = (want - before.at(k)).abs().max().item<double>();
    const at::Tensor diff = (got - want).abs();
    step_errs.push_back({k, diff.max().item<double>() / std::max(max_step, 1e-30)});
    at::Tensor allowed = 2e-7 * want.abs();
    if (f.count("grad." + k)) {
      const at::Tensor g = f.at("grad." + k).abs() * clip_coef;
      const double d = 1e-4 * g.max().item<double>();
      allowed = allowed + lr_of_param.at(k) * at::clamp_max(2 * d / (g + solver.eps), 2.0);
    }
    const int64_t bad = (diff > allowed).sum().item<int64_t>();
    EXPECT_EQ(bad, 0) << "parameter after the step: " << k << ": " << bad << " elements off (max diff "
                      << diff.max().item<double>() << ", max official step " << max_step << ")";
  }
  print_worst("parameters after one AdamW step (max|diff| / max|official step|)", step_errs, 12);
}

}  // namespace
}  // namespace glip::modeling
