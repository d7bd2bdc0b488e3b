// Scene sampling (which objects, where) and rendering (background, occlusion, textures, visible boxes).
#include "glip/synth/scene.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace glip::synth {
namespace {

bool matches(const Concept& k, const ObjectSpec& o) {
  return (k.shape < 0 || k.shape == o.shape) && (k.colour < 0 || k.colour == o.colour) &&
         (k.texture < 0 || k.texture == o.texture) && (k.size < 0 || k.size == o.size);
}

uint8_t clamp8(double v) { return v <= 0 ? 0 : v >= 255 ? 255 : static_cast<uint8_t>(v + 0.5); }

// Background: a tinted grey with a linear gradient.
void paint_background(cv::Mat& img, Rng& rng, std::string& word) {
  const int base = rng.between(70, 180);
  word = base < 105 ? "dark" : base > 150 ? "light" : "grey";
  double tint[3];
  for (double& t : tint) t = rng.uniform(-14, 14);
  const double ga = rng.uniform(0, 2 * CV_PI), amp = rng.uniform(0, 24) / img.cols;
  const double gx = std::cos(ga) * amp, gy = std::sin(ga) * amp;
  const double cx = img.cols / 2.0, cy = img.rows / 2.0;
  for (int y = 0; y < img.rows; ++y) {
    auto* row = img.ptr<cv::Vec3b>(y);
    for (int x = 0; x < img.cols; ++x) {
      const double g = base + (x - cx) * gx + (y - cy) * gy;
      for (int c = 0; c < 3; ++c) row[x][c] = clamp8(g + tint[c]);
    }
  }
}

// Adds uniform integer noise in [-amp, amp] to every channel value; 8 random bits per value.
void add_noise(cv::Mat& img, Rng& rng, double amp) {
  const int a = static_cast<int>(amp + 0.5);
  if (a <= 0) return;
  const int span = 2 * a + 1;
  uint64_t bits = 0;
  int left = 0;
  for (int y = 0; y < img.rows; ++y) {
    uint8_t* row = img.ptr<uint8_t>(y);
    for (int x = 0; x < img.cols * 3; ++x) {
      if (left == 0) bits = rng.next(), left = 8;
      const int v = row[x] + ((static_cast<int>(bits & 0xff) * span) >> 8) - a;
      bits >>= 8, --left;
      row[x] = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  }
}

// Paints the visible pixels of one object with its colour and texture.
void paint_object(cv::Mat& img, const cv::Mat& mask, const ObjectSpec& o, const std::string& colour,
                  const std::string& texture) {
  int bgr[3];
  colour_bgr(colour, bgr);
  double base[3], alt[3];
  for (int c = 0; c < 3; ++c) {
    base[c] = std::min(255, std::max(0, bgr[c] + o.jitter[c]));
    alt[c] = texture == "striped" ? base[c] * 0.3 : base[c] * 0.25 + 255 * 0.75;  // dark stripes, light dots
  }
  const double period = std::max(4.0, o.side / 5), dot_step = std::max(5.0, o.side / 4), dot_r = dot_step * 0.3;
  const double ca = std::cos(o.texture_angle), sa = std::sin(o.texture_angle);
  cv::Rect roi = cv::boundingRect(mask);
  for (int y = roi.y; y < roi.y + roi.height; ++y) {
    const uint8_t* m = mask.ptr<uint8_t>(y);
    auto* row = img.ptr<cv::Vec3b>(y);
    for (int x = roi.x; x < roi.x + roi.width; ++x) {
      if (!m[x]) continue;
      bool use_alt = false;
      const double dx = x - o.cx, dy = y - o.cy;
      if (texture == "striped") {
        use_alt = static_cast<int64_t>(std::floor((dx * ca + dy * sa) / (period / 2))) % 2 != 0;
      } else if (texture == "dotted") {
        const double u = dx - dot_step * std::round(dx / dot_step), v = dy - dot_step * std::round(dy / dot_step);
        use_alt = u * u + v * v <= dot_r * dot_r;
      }
      const double* col = use_alt ? alt : base;
      for (int c = 0; c < 3; ++c) row[x][c] = clamp8(col[c]);
    }
  }
}

}  // namespace

SceneRenderer::SceneRenderer(const WorldOptions& options, uint64_t seed) : opt_(options), seed_(seed) {
  validate(opt_);
  concepts_ = parse_concepts(opt_);
  rare_ = parse_rare_concepts(opt_);
  // Training frequency of the colour-shape combos: geometric from 1 down to combo_min_weight, in an order
  // shuffled by the seed; combos held out by a concept without texture/size never appear in training.
  const int n = static_cast<int>(opt_.shapes.size() * opt_.colours.size());
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  Rng rng(seed_, 0xC0FFEEULL);
  rng.shuffle(order);
  combo_weights_.assign(n, 0.0);
  for (int rank = 0; rank < n; ++rank)
    combo_weights_[order[rank]] = n == 1 ? 1.0 : std::pow(opt_.combo_min_weight, rank / double(n - 1));
  for (int i = 0; i < n; ++i) {
    ObjectSpec o;
    o.colour = i / static_cast<int>(opt_.shapes.size());
    o.shape = i % static_cast<int>(opt_.shapes.size());
    for (const auto& k : concepts_)
      if (k.texture < 0 && k.size < 0 && (k.shape < 0 || k.shape == o.shape) && (k.colour < 0 || k.colour == o.colour))
        combo_weights_[i] = 0;
  }
}

namespace {
/** Index of the first concept the object matches, or -1. */
int matching_index(const std::vector<Concept>& concepts, const ObjectSpec& spec) {
  for (size_t i = 0; i < concepts.size(); ++i)
    if (matches(concepts[i], spec)) return static_cast<int>(i);
  return -1;
}
}  // namespace

int SceneRenderer::heldout_index(const ObjectSpec& spec) const { return matching_index(concepts_, spec); }

int SceneRenderer::rare_index(const ObjectSpec& spec) const { return matching_index(rare_, spec); }

bool SceneRenderer::is_heldout(const ObjectSpec& spec) const { return heldout_index(spec) >= 0; }

int SceneRenderer::size_class(double side) const {
  const double f = side / opt_.image_size;
  return f <= opt_.small_max_frac ? 0 : f >= opt_.large_min_frac ? 2 : 1;
}

void SceneRenderer::sample_attributes(SplitKind kind, Rng& rng, ObjectSpec& o) const {
  const int ns = static_cast<int>(opt_.shapes.size());
  const int combo =
      kind == SplitKind::kEval ? rng.below(static_cast<int>(combo_weights_.size())) : rng.weighted(combo_weights_);
  o.colour = combo / ns;
  o.shape = combo % ns;
  o.texture = rng.below(static_cast<int>(opt_.textures.size()));
  o.side = rng.uniform(opt_.min_object_frac, opt_.max_object_frac) * opt_.image_size;
  o.size = size_class(o.side);
}

std::vector<ObjectSpec> SceneRenderer::sample_objects(SplitKind kind, Rng& rng) const {
  const int count = rng.between(static_cast<int>(opt_.min_objects), static_cast<int>(opt_.max_objects));
  const int forced =
      (kind == SplitKind::kWeb && !concepts_.empty() && rng.chance(opt_.web_heldout_prob)) ? rng.below(count) : -1;
  const double S = static_cast<double>(opt_.image_size);
  std::vector<ObjectSpec> objs;
  for (int i = 0; i < count || (objs.empty() && i < 100); ++i) {
    ObjectSpec o;
    if (i == forced) {
      const Concept& k = concepts_[rng.below(static_cast<int>(concepts_.size()))];
      sample_attributes(SplitKind::kEval, rng, o);
      if (k.shape >= 0) o.shape = k.shape;
      if (k.colour >= 0) o.colour = k.colour;
      if (k.texture >= 0) o.texture = k.texture;
      if (k.size >= 0) {  // a side inside the concept's size bucket
        const double lo = std::max(opt_.min_object_frac, k.size == 0   ? 0.0
                                                         : k.size == 1 ? opt_.small_max_frac + 1e-3
                                                                       : opt_.large_min_frac);
        const double hi = std::min(opt_.max_object_frac, k.size == 0   ? opt_.small_max_frac
                                                         : k.size == 1 ? opt_.large_min_frac - 1e-3
                                                                       : 1.0);
        o.side = (hi > lo ? rng.uniform(lo, hi) : lo) * S;
        o.size = k.size;
      }
    } else {
      for (int tries = 0; tries < 1000; ++tries) {
        sample_attributes(kind, rng, o);
        if (kind != SplitKind::kGold) break;
        // Rare concepts: kept with rare_gold_prob, else drawn again (the draw is consumed only for rare objects,
        // so a world without world.rare renders as before).
        if (!is_heldout(o) && (rare_index(o) < 0 || rng.chance(opt_.rare_gold_prob))) break;
      }
      if (kind == SplitKind::kGold && is_heldout(o)) continue;  // never box a held-out concept in gold
    }
    const bool may_overlap = rng.chance(opt_.occlusion);
    const double h = o.side / 2;
    for (int tries = 0; tries < 40; ++tries) {
      o.cx = rng.uniform(h, S - h);
      o.cy = rng.uniform(h, S - h);
      bool clear = true;
      for (const auto& p : objs)
        clear &= std::abs(p.cx - o.cx) > (p.side + o.side) / 2 + 1 || std::abs(p.cy - o.cy) > (p.side + o.side) / 2 + 1;
      if (may_overlap || clear) break;
    }
    o.angle = rng.uniform(-0.45, 0.45);
    o.texture_angle = rng.uniform(0, CV_PI);
    for (int& j : o.jitter) j = rng.between(-14, 14);
    objs.push_back(o);
  }
  return objs;
}

Scene SceneRenderer::render(SplitKind kind, uint64_t stream) const {
  Rng rng(seed_, stream);
  const int S = static_cast<int>(opt_.image_size);
  std::vector<ObjectSpec> specs = sample_objects(kind, rng);
  std::vector<cv::Mat> masks;
  for (const auto& o : specs) {
    masks.emplace_back(S, S, CV_8UC1, cv::Scalar(0));
    draw_shape_mask(opt_.shapes[o.shape], o, masks.back());
  }
  // Visible pixels, from the top-most object down; too-occluded objects are dropped before painting.
  cv::Mat covered(S, S, CV_8UC1, cv::Scalar(0));
  std::vector<cv::Mat> visible(specs.size());
  std::vector<char> keep(specs.size(), 0);
  std::vector<double> frac(specs.size(), 0.0);
  for (size_t i = specs.size(); i-- > 0;) {
    const int total = cv::countNonZero(masks[i]);
    cv::Mat vis = masks[i] & ~covered;
    const int shown = cv::countNonZero(vis);
    if (total == 0 || shown < 16 || shown < opt_.min_visible * total) continue;
    keep[i] = 1;
    frac[i] = static_cast<double>(shown) / total;
    visible[i] = vis;
    covered |= masks[i];
  }
  Scene scene;
  scene.image.create(S, S, CV_8UC3);
  paint_background(scene.image, rng, scene.background);
  add_noise(scene.image, rng, opt_.noise);
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!keep[i]) continue;
    paint_object(scene.image, visible[i], specs[i], opt_.colours[specs[i].colour], opt_.textures[specs[i].texture]);
    cv::Rect r = cv::boundingRect(visible[i]);
    SceneObject so;
    so.spec = specs[i];
    so.box = Box{r.x, r.y, r.x + r.width, r.y + r.height};
    so.area = cv::countNonZero(visible[i]);
    so.visible = frac[i];
    scene.objects.push_back(so);
  }
  add_noise(scene.image, rng, opt_.noise / 3);  // sensor noise over everything
  return scene;
}

}  // namespace glip::synth
