// Renderer, captions, RNG and option validation.
#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/synth/captions.h"
#include "glip/synth/scene.h"

namespace glip::synth {
namespace {

TEST(SynthRng, DeterministicAndSeedDependent) {
  Rng a(7, 3), b(7, 3), c(8, 3), d(7, 4);
  for (int i = 0; i < 5; ++i) {
    const uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
    EXPECT_NE(x, d.next());
  }
  // Pure integer arithmetic: the stream is a fixed function of (seed, stream) on every platform.
  Rng z(0, 0);
  const uint64_t first = z.next();
  EXPECT_EQ(first, mix64(mix64(0ULL ^ mix64(0x632be59bd9b4e019ULL)) + 0x9e3779b97f4a7c15ULL));
  Rng u(1);
  for (int i = 0; i < 1000; ++i) {
    const double v = u.uniform();
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
    const int k = u.between(2, 4);
    ASSERT_GE(k, 2);
    ASSERT_LE(k, 4);
  }
}

WorldOptions small_world() {
  WorldOptions o;
  o.image_size = 96;
  return o;
}

TEST(SynthScene, SameStreamSamePixelsAndBoxesInside) {
  SceneRenderer r(small_world(), 5);
  for (uint64_t stream = 0; stream < 30; ++stream) {
    Scene a = r.render(SplitKind::kEval, stream), b = r.render(SplitKind::kEval, stream);
    ASSERT_EQ(a.image.size(), cv::Size(96, 96));
    EXPECT_EQ(cv::norm(a.image, b.image, cv::NORM_INF), 0.0);
    ASSERT_EQ(a.objects.size(), b.objects.size());
    ASSERT_GE(a.objects.size(), 1u);
    ASSERT_LE(a.objects.size(), 8u);
    for (const auto& o : a.objects) {
      EXPECT_GE(o.box.x1, 0);
      EXPECT_GE(o.box.y1, 0);
      EXPECT_LE(o.box.x2, 96);
      EXPECT_LE(o.box.y2, 96);
      EXPECT_GT(o.box.width(), 0);
      EXPECT_GT(o.area, 0);
      EXPECT_LE(o.area, static_cast<int64_t>(o.box.width()) * o.box.height());
      EXPECT_GE(o.visible, r.options().min_visible);
    }
  }
  Scene c = r.render(SplitKind::kEval, 1), d = SceneRenderer(small_world(), 6).render(SplitKind::kEval, 1);
  EXPECT_GT(cv::norm(c.image, d.image, cv::NORM_L1), 0.0);
}

TEST(SynthScene, GoldNeverShowsHeldOutWebOftenDoes) {
  SceneRenderer r(small_world(), 1);
  int web_heldout = 0, eval_heldout = 0;
  for (uint64_t s = 0; s < 200; ++s) {
    for (const auto& o : r.render(SplitKind::kGold, s).objects) ASSERT_FALSE(r.is_heldout(o.spec));
    bool any = false;
    for (const auto& o : r.render(SplitKind::kWeb, s).objects) any |= r.is_heldout(o.spec);
    web_heldout += any;
    for (const auto& o : r.render(SplitKind::kEval, s).objects) eval_heldout += r.is_heldout(o.spec);
  }
  EXPECT_GT(web_heldout, 120);  // web_heldout_prob 0.8 (an occluded forced object can be dropped)
  EXPECT_GT(eval_heldout, 0);
}

// world.rare: a rare concept keeps about rare_gold_prob of its gold draws (a shape drawn 1 in 8 times by the
// default world -> ~1/8 x 0.1 of the gold objects), stays as common as before in eval and web, and a world without
// rare concepts renders exactly as before (the extra draw happens only for rare objects).
TEST(SynthScene, RareConceptsAreRareInGoldOnly) {
  WorldOptions o = small_world();
  o.heldout = {};
  o.rare = {"diamond"};
  o.rare_gold_prob = 0.1;
  SceneRenderer rare(o, 4);
  WorldOptions plain_opt = o;
  plain_opt.rare = {};
  SceneRenderer plain(plain_opt, 4);
  int64_t gold = 0, gold_rare = 0, eval = 0, eval_rare = 0, plain_gold_rare = 0;
  for (uint64_t s = 0; s < 600; ++s) {
    for (const auto& obj : rare.render(SplitKind::kGold, s).objects) {
      ++gold;
      gold_rare += rare.rare_index(obj.spec) == 0;
    }
    for (const auto& obj : plain.render(SplitKind::kGold, s).objects)
      plain_gold_rare += obj.spec.shape == 7;  // "diamond" is the default world's 8th shape
    const Scene e = rare.render(SplitKind::kEval, s), pe = plain.render(SplitKind::kEval, s);
    ASSERT_EQ(cv::norm(e.image, pe.image, cv::NORM_L1), 0.0) << "eval scenes do not depend on world.rare";
    for (const auto& obj : e.objects) {
      ++eval;
      eval_rare += rare.rare_index(obj.spec) == 0;
    }
  }
  ASSERT_GT(gold, 1500);
  EXPECT_NEAR(static_cast<double>(eval_rare) / eval, 1.0 / 8, 0.03);
  EXPECT_GT(plain_gold_rare, 100);
  // Kept with probability 0.1 of the plain world's diamonds (binomial sd ~ 0.3 x sqrt(n)): between 0.04 and 0.2.
  EXPECT_GT(gold_rare, plain_gold_rare * 0.04);
  EXPECT_LT(gold_rare, plain_gold_rare * 0.2);
  // Unknown words are reported under the key.
  o.rare = {"diamond", "teapot"};
  try {
    validate(o);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("world.rare: concept 'teapot': word 'teapot'"), std::string::npos) << e.what();
  }
}

TEST(SynthScene, OcclusionHappens) {
  WorldOptions o = small_world();
  o.occlusion = 1.0;
  o.min_objects = o.max_objects = 8;
  SceneRenderer r(o, 2);
  int occluded = 0;
  for (uint64_t s = 0; s < 20; ++s)
    for (const auto& obj : r.render(SplitKind::kEval, s).objects) occluded += obj.visible < 0.999;
  EXPECT_GT(occluded, 10);
}

TEST(SynthCaptions, SpansSelectPhrasesAndGroupPlurals) {
  WorldOptions o = small_world();
  SceneRenderer r(o, 3);
  for (uint64_t s = 0; s < 50; ++s) {
    Scene sc = r.render(SplitKind::kEval, s);
    Rng rng(3, s);
    Caption c = caption_all(sc, o, rng);
    auto ents = group_entities(sc);
    ASSERT_EQ(c.phrases.size(), ents.size());
    size_t covered = 0;
    for (const auto& p : c.phrases) {
      EXPECT_EQ(c.text.substr(p.start, p.end - p.start), p.text);
      covered += ents[p.entity].objects.size();
      const auto& e = ents[p.entity];
      EXPECT_NE(p.text.find(e.objects.size() == 1 ? o.shapes[e.shape] : plural(o.shapes[e.shape])), std::string::npos);
      EXPECT_NE(p.text.find(o.colours[e.colour]), std::string::npos);
    }
    EXPECT_EQ(covered, sc.objects.size());
    EXPECT_EQ(c.text.back(), '.');
  }
  EXPECT_EQ(plural("cross"), "crosses");
  Entity e{{0}, 5, 4, 0, 0};  // an orange ring, solid
  EXPECT_EQ(describe(e, o, false), "an orange ring");
  e.objects = {0, 1};
  e.texture = 1;
  EXPECT_EQ(describe(e, o, true), "two small striped orange rings");
}

TEST(SynthOptions, ValidationListsEveryProblem) {
  WorldOptions o;
  o.image_size = 8;
  o.shapes = {"circle", "blob", "circle"};
  o.min_objects = 5;
  o.max_objects = 2;
  o.heldout = {"green unicorn"};
  o.large_min_frac = 0.1;
  try {
    validate(o);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("invalid world config (6 problems)"), std::string::npos) << m;
    EXPECT_NE(m.find("world.image_size: expected a value in [32, 2048], got 8"), std::string::npos) << m;
    EXPECT_NE(m.find("world.shapes: unknown name 'blob'"), std::string::npos) << m;
    EXPECT_NE(m.find("world.shapes: name 'circle' is listed twice"), std::string::npos) << m;
    EXPECT_NE(m.find("world.max_objects: must be >= world.min_objects (5), got 2"), std::string::npos) << m;
    EXPECT_NE(m.find("world.heldout: concept 'green unicorn': word 'unicorn'"), std::string::npos) << m;
    EXPECT_NE(m.find("world.large_min_frac: must be > world.small_max_frac"), std::string::npos) << m;
  }
  WorldOptions all;
  all.heldout = {"red", "green", "blue", "yellow", "orange", "purple", "pink", "cyan"};
  EXPECT_THROW(validate(all), InputError);
  EXPECT_NO_THROW(validate(WorldOptions{}));
}

}  // namespace
}  // namespace glip::synth
