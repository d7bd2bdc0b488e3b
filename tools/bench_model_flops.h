// Analytic operation counts of GLIP's parts (2 FLOPs per multiply-add; normalisation, activations and softmax
// ignored) for glip_bench_model, and the COCO-80 class names the benchmark prompt is built from.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "glip/modeling/fusion/bi_attention.h"
#include "glip/modeling/model_config.h"

namespace glip::bench {

inline const std::array<std::string, 80> kCoco80 = {
    "person",         "bicycle",    "car",           "motorcycle",    "airplane",     "bus",           "train",
    "truck",          "boat",       "traffic light", "fire hydrant",  "stop sign",    "parking meter", "bench",
    "bird",           "cat",        "dog",           "horse",         "sheep",        "cow",           "elephant",
    "bear",           "zebra",      "giraffe",       "backpack",      "umbrella",     "handbag",       "tie",
    "suitcase",       "frisbee",    "skis",          "snowboard",     "sports ball",  "kite",          "baseball bat",
    "baseball glove", "skateboard", "surfboard",     "tennis racket", "bottle",       "wine glass",    "cup",
    "fork",           "knife",      "spoon",         "bowl",          "banana",       "apple",         "sandwich",
    "orange",         "broccoli",   "carrot",        "hot dog",       "pizza",        "donut",         "cake",
    "chair",          "couch",      "potted plant",  "bed",           "dining table", "toilet",        "tv",
    "laptop",         "mouse",      "remote",        "keyboard",      "cell phone",   "microwave",     "oven",
    "toaster",        "sink",       "refrigerator",  "book",          "clock",        "vase",          "scissors",
    "teddy bear",     "hair drier", "toothbrush"};

/** Pyramid P3..P7 sizes of an image padded to a multiple of 32. */
inline std::vector<std::pair<int64_t, int64_t>> pyramid(int64_t h, int64_t w) {
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

/** GFLOPs of BERT-style layers on T tokens. */
inline double bert_gflops(int64_t layers, int64_t T, int64_t C, int64_t I) {
  double per = 2.0 * T * C * C * 4 + 2.0 * 2 * T * T * C + 2.0 * 2 * T * C * I;
  return static_cast<double>(layers) * per / 1e9;
}

struct ModelFlops {
  double backbone = 0, bert = 0, head = 0;  ///< GFLOP: Swin + FPN; the language backbone; tower + predictions
  double unfolded = 0;  ///< GFLOP of the head that inference does not compute: the folded fusion blocks' saving
  double total() const { return backbone + bert + head; }
};

/** Analytic GFLOPs of a whole GLIP forward on one padded h x w image with T tokens. */
inline ModelFlops model_gflops(const modeling::ModelConfig& m, int64_t h, int64_t w, int64_t T) {
  ModelFlops f;
  const double ws2 = static_cast<double>(m.swin_window_size * m.swin_window_size);
  auto up = [](int64_t x, int64_t k) { return (x + k - 1) / k * k; };
  double macs = static_cast<double>((h / 4) * (w / 4)) * static_cast<double>(m.swin_embed_dim) * 3 * 16;
  int64_t sh = h / 4, sw = w / 4;
  for (size_t s = 0; s < m.swin_depths.size(); ++s) {
    const double C = static_cast<double>(m.swin_embed_dim << s);
    const double n = static_cast<double>(up(sh, m.swin_window_size) * up(sw, m.swin_window_size));
    macs += static_cast<double>(m.swin_depths[s]) * (12.0 * n * C * C + 2.0 * n * ws2 * C);
    if (s + 1 < m.swin_depths.size()) {
      macs += static_cast<double>(sh * sw) / 4.0 * (4.0 * C) * (2.0 * C);  // patch merging
      sh = (sh + 1) / 2, sw = (sw + 1) / 2;
    }
  }
  const double O = static_cast<double>(m.out_channels);
  const auto pyr = pyramid(h, w);
  std::vector<double> N;
  for (auto [ph, pw] : pyr) N.push_back(static_cast<double>(ph * pw));
  for (size_t l = 0; l < 3; ++l) {  // P3..P5: lateral 1x1 + output 3x3
    const double cin = static_cast<double>(m.swin_embed_dim << (l + 1));
    macs += N[l] * cin * O + N[l] * O * O * 9;
  }
  macs += (N[3] + N[4]) * O * O * 9;  // P6, P7
  f.backbone = 2.0 * macs / 1e9;
  f.bert = bert_gflops(m.bert_num_layers, T, m.bert_hidden_size, m.bert_intermediate_size);
  const double C = static_cast<double>(m.dyhead_channels);
  double head = 0, total_pixels = 0;
  for (double n : N) total_pixels += n;
  for (int64_t b = 0; b < m.dyhead_num_convs; ++b) {
    for (size_t l = 0; l < N.size(); ++l) {
      const double cin = b == 0 ? O : C;
      head += N[l] * cin * C * 9 * (l > 0 ? 2.0 : 1.0);      // mid + low (stride 2) at this level's size
      if (l + 1 < N.size()) head += N[l + 1] * cin * C * 9;  // high, computed at the next level's size
      head += N[l] * cin * 27 * 9;                           // DCN offsets and masks
    }
  }
  for (double n : N) head += n * C * 85 + n * T * C;  // box/centerness/cls 1x1 and the region-word dot product
  head += static_cast<double>(T) * m.bert_hidden_size * C;
  f.head = 2.0 * head / 1e9;
  if (m.early_fuse) {
    const auto fusion = modeling::bi_attention_flops(modeling::build_model_options(m).head.fusion,
                                                     static_cast<int64_t>(total_pixels), T);
    f.head += static_cast<double>(m.dyhead_num_convs) * fusion.official / 1e9;
    if (fusion.fold_pays())
      f.unfolded = static_cast<double>(m.dyhead_num_convs) * (fusion.official - fusion.folded) / 1e9;
    const int64_t tower_layers = m.use_fused_features_dot_product ? m.dyhead_num_convs : m.dyhead_num_convs - 1;
    f.head += bert_gflops(tower_layers, T, m.bert_hidden_size, m.bert_intermediate_size);
  }
  return f;
}

}  // namespace glip::bench
