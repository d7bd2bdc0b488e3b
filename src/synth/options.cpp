#include "glip/synth/options.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "glip/core/error.h"

namespace glip::synth {
namespace {

struct NamedColour {
  const char* name;
  int b, g, r;
};
const NamedColour kColours[] = {{"red", 40, 40, 215},     {"green", 50, 165, 40},   {"blue", 215, 85, 30},
                                {"yellow", 40, 215, 235}, {"orange", 20, 135, 250}, {"purple", 155, 45, 130},
                                {"pink", 195, 135, 250},  {"cyan", 225, 215, 40},   {"white", 245, 245, 245},
                                {"black", 25, 25, 25},    {"brown", 35, 75, 135},   {"grey", 135, 135, 135}};

int index_of(const std::vector<std::string>& v, const std::string& s) {
  auto it = std::find(v.begin(), v.end(), s);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// Collects problems; `fail()` throws them as one InputError.
struct Problems {
  std::vector<std::string> items;
  void add(const std::string& key, const std::string& what) { items.push_back("world." + key + ": " + what); }
  template <typename T>
  void range(const std::string& key, T v, T lo, T hi) {
    if (!(v >= lo && v <= hi)) add(key, str_cat("expected a value in [", lo, ", ", hi, "], got ", v));
  }
  void names(const std::string& key, const std::vector<std::string>& v, const std::vector<std::string>& known) {
    if (v.empty()) add(key, "expected at least one name, got an empty list");
    std::set<std::string> seen;
    for (const auto& s : v) {
      if (index_of(known, s) < 0) add(key, str_cat("unknown name '", s, "' (expected one of ", join(known, "|"), ")"));
      if (!seen.insert(s).second) add(key, str_cat("name '", s, "' is listed twice"));
    }
  }
};

}  // namespace

const std::vector<std::string>& known_shapes() {
  static const std::vector<std::string> v = {"circle", "square", "triangle", "star",    "cross",
                                             "ring",   "heart",  "diamond",  "hexagon", "pentagon"};
  return v;
}
const std::vector<std::string>& known_colours() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> names;
    for (const auto& c : kColours) names.emplace_back(c.name);
    return names;
  }();
  return v;
}
const std::vector<std::string>& known_textures() {
  static const std::vector<std::string> v = {"solid", "striped", "dotted"};
  return v;
}
const std::vector<std::string>& size_words() {
  static const std::vector<std::string> v = {"small", "medium", "large"};
  return v;
}

void colour_bgr(const std::string& name, int bgr[3]) {
  for (const auto& c : kColours) {
    if (name == c.name) {
      bgr[0] = c.b, bgr[1] = c.g, bgr[2] = c.r;
      return;
    }
  }
  GLIP_CHECK_INPUT(false, "unknown colour '", name, "'");
}

std::string plural(const std::string& shape) {
  const bool sibilant = !shape.empty() && (shape.back() == 's' || shape.back() == 'x' ||
                                           (shape.size() > 1 && shape.compare(shape.size() - 2, 2, "ch") == 0));
  if (sibilant) return shape + "es";
  return shape + "s";
}

namespace {
// Parses one concept; returns an error text or "" and fills `c`.
std::string parse_concept(const WorldOptions& o, const std::string& text, Concept& c) {
  c = Concept{};
  c.text = text;
  std::istringstream is(text);
  std::string word;
  int words = 0;
  while (is >> word) {
    ++words;
    int* slot = nullptr;
    int idx = -1;
    if ((idx = index_of(o.colours, word)) >= 0) slot = &c.colour;
    else if ((idx = index_of(o.shapes, word)) >= 0) slot = &c.shape;
    else if ((idx = index_of(o.textures, word)) >= 0) slot = &c.texture;
    else if ((idx = index_of(size_words(), word)) >= 0) slot = &c.size;
    if (!slot)
      return str_cat("concept '", text, "': word '", word,
                     "' is not a configured colour, shape, texture or size word (small|medium|large)");
    if (*slot >= 0) return str_cat("concept '", text, "': two words of the same kind");
    *slot = idx;
  }
  if (words == 0) return "empty concept";
  return "";
}
}  // namespace

namespace {
std::vector<Concept> parse_list(const WorldOptions& o, const std::vector<std::string>& texts, const char* key) {
  std::vector<Concept> out;
  for (const auto& text : texts) {
    Concept c;
    std::string err = parse_concept(o, text, c);
    GLIP_CHECK_INPUT(err.empty(), "world.", key, ": ", err);
    out.push_back(c);
  }
  return out;
}
}  // namespace

std::vector<Concept> parse_concepts(const WorldOptions& o) { return parse_list(o, o.heldout, "heldout"); }
std::vector<Concept> parse_rare_concepts(const WorldOptions& o) { return parse_list(o, o.rare, "rare"); }

void WorldOptions::visit(config::Visitor& v) {
  using config::one_of;
  using config::range;
  v("image_size", image_size, "side of the square images in pixels", range(32, 2048));
  v("gold_det_images", gold_det_images, "images of the gold detection split (COCO, shape categories)", range(0, 1e7));
  v("gold_grounding_images", gold_grounding_images, "images of the gold grounding split (MDETR json + ODVG jsonl)",
    range(0, 1e7));
  v("web_images", web_images, "image-caption pairs of the web split (WebDataset tar shards, no boxes)", range(0, 1e8));
  v("web_shard_size", web_shard_size, "samples per web tar shard", range(1, 1e6));
  v("eval_coco_images", eval_coco_images, "images of the held-out COCO-format detection split", range(0, 1e7));
  v("eval_flickr_images", eval_flickr_images, "images of the held-out Flickr30K Entities split", range(0, 1e7));
  v("eval_lvis_images", eval_lvis_images, "images of the held-out LVIS v1-format split", range(0, 1e7));
  v("min_objects", min_objects, "fewest objects per image", range(1, 16));
  v("max_objects", max_objects, "most objects per image (>= min_objects)", range(1, 16));
  v("shapes", shapes, "shapes drawn (COCO categories, in this order)", one_of(known_shapes()));
  v("colours", colours, "colours drawn (LVIS categories are colours x shapes)", one_of(known_colours()));
  v("textures", textures, "textures drawn", one_of(known_textures()));
  v("heldout", heldout,
    "concepts never boxed in the gold splits and named by the web captions: 1-3 words among colour, shape, "
    "texture, size word (small|medium|large)");
  v("min_object_frac", min_object_frac, "smallest object side as a fraction of the image side", range(0.05, 0.9));
  v("max_object_frac", max_object_frac, "largest object side as a fraction of the image side", range(0.05, 0.9));
  v("small_max_frac", small_max_frac, "objects up to this fraction of the image side are 'small'", range(0, 1));
  v("large_min_frac", large_min_frac, "objects from this fraction are 'large' (between: 'medium')", range(0, 1));
  v("occlusion", occlusion, "probability that an object may overlap the objects drawn before it", range(0, 1));
  v("min_visible", min_visible, "an occluded object keeps at least this fraction of its pixels, else it is dropped",
    range(0.05, 1));
  v("noise", noise, "amplitude of the background pixel noise (0..255 scale)", range(0, 128));
  v("size_word_prob", size_word_prob, "probability that a caption phrase names the size", range(0, 1));
  v("combo_min_weight", combo_min_weight,
    "training frequency of the rarest colour-shape combo relative to the commonest", range(1e-6, 1));
  v("web_heldout_prob", web_heldout_prob, "probability that a web image shows a held-out concept", range(0, 1));
  v("rare", rare,
    "concepts that are rare in the gold splits (LVIS-rare-like: a few boxes) but as common as any other in the web "
    "and eval splits; same syntax as heldout");
  v("rare_gold_prob", rare_gold_prob,
    "a gold object drawn as a rare concept is kept with this probability (else drawn again)", range(0, 1));
  v("flickr_sentences", flickr_sentences, "sentences per Flickr30K Entities image", range(1, 10));
  v("lvis_neg_per_image", lvis_neg_per_image, "verified-absent categories listed per LVIS image", range(0, 1000));
  v("lvis_not_exhaustive_prob", lvis_not_exhaustive_prob,
    "probability that an LVIS image leaves one instance of a category unannotated", range(0, 1));
  v("lvis_rare_max", lvis_rare_max, "LVIS frequency: at most this many training images -> 'r'", range(0, 1e8));
  v("lvis_common_max", lvis_common_max, "at most this many training images -> 'c', else 'f'", range(0, 1e8));
  v("jpeg_quality", jpeg_quality, "JPEG quality of every image file", range(1, 100));
  v("preview_samples", preview_samples, "samples drawn in preview.png", range(1, 64));
}

void validate(const WorldOptions& o) {
  Problems p;
  p.range<int64_t>("image_size", o.image_size, 32, 2048);
  p.range<int64_t>("gold_det_images", o.gold_det_images, 0, 10000000);
  p.range<int64_t>("gold_grounding_images", o.gold_grounding_images, 0, 10000000);
  p.range<int64_t>("web_images", o.web_images, 0, 100000000);
  p.range<int64_t>("web_shard_size", o.web_shard_size, 1, 1000000);
  p.range<int64_t>("eval_coco_images", o.eval_coco_images, 0, 10000000);
  p.range<int64_t>("eval_flickr_images", o.eval_flickr_images, 0, 10000000);
  p.range<int64_t>("eval_lvis_images", o.eval_lvis_images, 0, 10000000);
  p.range<int64_t>("min_objects", o.min_objects, 1, 16);
  p.range<int64_t>("max_objects", o.max_objects, 1, 16);
  if (o.max_objects < o.min_objects)
    p.add("max_objects", str_cat("must be >= world.min_objects (", o.min_objects, "), got ", o.max_objects));
  p.names("shapes", o.shapes, known_shapes());
  p.names("colours", o.colours, known_colours());
  p.names("textures", o.textures, known_textures());
  p.range("min_object_frac", o.min_object_frac, 0.05, 0.9);
  p.range("max_object_frac", o.max_object_frac, 0.05, 0.9);
  if (o.max_object_frac < o.min_object_frac)
    p.add("max_object_frac",
          str_cat("must be >= world.min_object_frac (", o.min_object_frac, "), got ", o.max_object_frac));
  p.range("small_max_frac", o.small_max_frac, 0.0, 1.0);
  p.range("large_min_frac", o.large_min_frac, 0.0, 1.0);
  if (o.large_min_frac <= o.small_max_frac)
    p.add("large_min_frac", str_cat("must be > world.small_max_frac (", o.small_max_frac, "), got ", o.large_min_frac));
  p.range("occlusion", o.occlusion, 0.0, 1.0);
  p.range("min_visible", o.min_visible, 0.05, 1.0);
  p.range("noise", o.noise, 0.0, 128.0);
  p.range("size_word_prob", o.size_word_prob, 0.0, 1.0);
  p.range("combo_min_weight", o.combo_min_weight, 1e-6, 1.0);
  p.range("web_heldout_prob", o.web_heldout_prob, 0.0, 1.0);
  p.range("rare_gold_prob", o.rare_gold_prob, 0.0, 1.0);
  // Concept lists: every unknown word is a problem under its key; the concepts that parse are returned.
  const auto parse_all = [&](const char* key, const std::vector<std::string>& texts) {
    std::vector<Concept> out;
    for (const auto& text : texts) {
      Concept c;
      std::string err = parse_concept(o, text, c);
      if (!err.empty()) p.add(key, err);
      else out.push_back(c);
    }
    return out;
  };
  parse_all("rare", o.rare);
  p.range<int64_t>("flickr_sentences", o.flickr_sentences, 1, 10);
  p.range<int64_t>("lvis_neg_per_image", o.lvis_neg_per_image, 0, 1000);
  p.range("lvis_not_exhaustive_prob", o.lvis_not_exhaustive_prob, 0.0, 1.0);
  p.range<int64_t>("lvis_rare_max", o.lvis_rare_max, 0, 100000000);
  p.range<int64_t>("lvis_common_max", o.lvis_common_max, 0, 100000000);
  if (o.lvis_common_max <= o.lvis_rare_max)
    p.add("lvis_common_max", str_cat("must be > world.lvis_rare_max (", o.lvis_rare_max, "), got ", o.lvis_common_max));
  p.range<int64_t>("jpeg_quality", o.jpeg_quality, 1, 100);
  p.range<int64_t>("preview_samples", o.preview_samples, 1, 64);

  // Held-out concepts: known words, and the gold splits must keep at least one colour-shape-texture combo.
  const std::vector<Concept> concepts = parse_all("heldout", o.heldout);
  bool any_free = false;
  for (size_t s = 0; s < o.shapes.size() && !any_free; ++s)
    for (size_t c = 0; c < o.colours.size() && !any_free; ++c)
      for (size_t t = 0; t < o.textures.size() && !any_free; ++t) {
        bool blocked = false;
        for (const auto& k : concepts)
          blocked |= k.size < 0 && (k.shape < 0 || k.shape == static_cast<int>(s)) &&
                     (k.colour < 0 || k.colour == static_cast<int>(c)) &&
                     (k.texture < 0 || k.texture == static_cast<int>(t));
        any_free = !blocked;
      }
  if (!any_free && !o.shapes.empty() && !o.colours.empty() && !o.textures.empty())
    p.add("heldout",
          "the held-out concepts cover every colour-shape-texture combination; the gold splits "
          "would have nothing to draw");
  if (p.items.empty()) return;
  std::string msg =
      str_cat("invalid world config (", p.items.size(), p.items.size() == 1 ? " problem" : " problems", "):");
  for (const auto& item : p.items) msg += "\n  - " + item;
  throw InputError(msg);
}

std::string canonical_text(const WorldOptions& o) {
  std::ostringstream os;
  os.precision(17);
  os << "image_size=" << o.image_size << ";gold_det_images=" << o.gold_det_images
     << ";gold_grounding_images=" << o.gold_grounding_images << ";web_images=" << o.web_images
     << ";web_shard_size=" << o.web_shard_size << ";eval_coco_images=" << o.eval_coco_images
     << ";eval_flickr_images=" << o.eval_flickr_images << ";eval_lvis_images=" << o.eval_lvis_images
     << ";min_objects=" << o.min_objects << ";max_objects=" << o.max_objects << ";shapes=" << join(o.shapes, ",")
     << ";colours=" << join(o.colours, ",") << ";textures=" << join(o.textures, ",")
     << ";heldout=" << join(o.heldout, ",") << ";min_object_frac=" << o.min_object_frac
     << ";max_object_frac=" << o.max_object_frac << ";small_max_frac=" << o.small_max_frac
     << ";large_min_frac=" << o.large_min_frac << ";occlusion=" << o.occlusion << ";min_visible=" << o.min_visible
     << ";noise=" << o.noise << ";size_word_prob=" << o.size_word_prob << ";combo_min_weight=" << o.combo_min_weight
     << ";web_heldout_prob=" << o.web_heldout_prob << ";flickr_sentences=" << o.flickr_sentences
     << ";lvis_neg_per_image=" << o.lvis_neg_per_image << ";lvis_not_exhaustive_prob=" << o.lvis_not_exhaustive_prob
     << ";lvis_rare_max=" << o.lvis_rare_max << ";lvis_common_max=" << o.lvis_common_max
     << ";jpeg_quality=" << o.jpeg_quality << ";preview_samples=" << o.preview_samples;
  if (!o.rare.empty()) os << ";rare=" << join(o.rare, ",") << ";rare_gold_prob=" << o.rare_gold_prob;
  return os.str();
}

config::SectionDoc world_section() {
  return config::document<WorldOptions>("Synthetic world", "world",
                                        "The world rendered by glip_synth (docs/formats.md).");
}

}  // namespace glip::synth
