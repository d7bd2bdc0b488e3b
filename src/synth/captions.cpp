// Caption composition with exact character spans for every phrase.
#include "glip/synth/captions.h"

#include <cmath>

namespace glip::synth {
namespace {

const char* const kNumbers[] = {"zero", "one", "two",    "three",  "four",     "five",     "six",     "seven",  "eight",
                                "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"};

bool starts_with_vowel(const std::string& w) {
  return !w.empty() && std::string("aeiou").find(w[0]) != std::string::npos;
}

// Centre of the union of an entity's boxes.
void entity_centre(const Scene& s, const Entity& e, double& x, double& y) {
  int x1 = 1 << 30, y1 = 1 << 30, x2 = -1, y2 = -1;
  for (int i : e.objects) {
    const Box& b = s.objects[i].box;
    x1 = std::min(x1, b.x1), y1 = std::min(y1, b.y1), x2 = std::max(x2, b.x2), y2 = std::max(y2, b.y2);
  }
  x = (x1 + x2) / 2.0, y = (y1 + y2) / 2.0;
}

struct Builder {
  Caption cap;
  void text(const std::string& t) { cap.text += t; }
  void phrase(const std::string& t, int entity, PhraseKind kind) {
    Phrase p;
    p.text = t;
    p.start = static_cast<int>(cap.text.size());
    cap.text += t;
    p.end = static_cast<int>(cap.text.size());
    p.entity = entity;
    p.kind = kind;
    cap.phrases.push_back(p);
  }
};

}  // namespace

std::vector<Entity> group_entities(const Scene& scene) {
  std::vector<Entity> out;
  for (int i = 0; i < static_cast<int>(scene.objects.size()); ++i) {
    const ObjectSpec& o = scene.objects[i].spec;
    Entity* found = nullptr;
    for (auto& e : out)
      if (e.shape == o.shape && e.colour == o.colour && e.texture == o.texture) found = &e;
    if (!found) {
      out.push_back(Entity{{}, o.shape, o.colour, o.texture, o.size});
      found = &out.back();
    }
    found->objects.push_back(i);
    if (found->size != o.size) found->size = -1;
  }
  return out;
}

std::string describe(const Entity& e, const WorldOptions& o, bool with_size) {
  std::string adjectives;
  if (with_size && e.size >= 0) adjectives += size_words()[e.size] + " ";
  if (o.textures[e.texture] != "solid") adjectives += o.textures[e.texture] + " ";
  adjectives += o.colours[e.colour] + " ";
  const size_t n = e.objects.size();
  if (n == 1) return (starts_with_vowel(adjectives) ? "an " : "a ") + adjectives + o.shapes[e.shape];
  return std::string(n < 17 ? kNumbers[n] : "many") + " " + adjectives + plural(o.shapes[e.shape]);
}

Caption compose_caption(const Scene& scene, const std::vector<Entity>& entities, const std::vector<int>& mention,
                        const WorldOptions& o, Rng& rng, const ComposeOptions& co) {
  Builder b;
  std::vector<std::string> texts;
  for (int e : mention) texts.push_back(describe(entities[e], o, rng.chance(o.size_word_prob)));
  size_t next = 0;
  b.phrase(texts[0], mention[0], PhraseKind::kObject);
  next = 1;
  if (mention.size() >= 2 && rng.chance(0.5)) {
    double x0, y0, x1, y1;
    entity_centre(scene, entities[mention[0]], x0, y0);
    entity_centre(scene, entities[mention[1]], x1, y1);
    const double dx = x0 - x1, dy = y0 - y1;
    const char* rel =
        std::abs(dx) >= std::abs(dy) ? (dx < 0 ? " left of " : " right of ") : (dy < 0 ? " above " : " below ");
    b.text(rel);
    b.phrase(texts[1], mention[1], PhraseKind::kObject);
    next = 2;
  }
  for (size_t i = next; i < mention.size(); ++i) {
    b.text(i + 1 == mention.size() ? " and " : co.tokenized ? " , " : ", ");
    b.phrase(texts[i], mention[i], PhraseKind::kObject);
  }
  if (co.scene_phrase) {
    b.text(" on ");
    b.phrase(std::string(scene.background == "dark"    ? "a dark"
                         : scene.background == "light" ? "a light"
                                                       : "a grey") +
                 " background",
             -1, PhraseKind::kScene);
  }
  if (co.notvisual_phrase) {
    b.text(" facing ");
    b.phrase("the camera", -1, PhraseKind::kNotVisual);
  }
  b.text(co.tokenized ? " ." : ".");
  return b.cap;
}

Caption caption_all(const Scene& scene, const WorldOptions& o, Rng& rng) {
  std::vector<Entity> entities = group_entities(scene);
  std::vector<int> order(entities.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  rng.shuffle(order);
  return compose_caption(scene, entities, order, o, rng);
}

}  // namespace glip::synth
