/**
 * Scenes of the synthetic world: what objects an image holds (sampling) and its pixels (rendering).
 * Each image is drawn from its own counter-based stream, so image i of a split is the same whatever the
 * counts of the other splits are.
 */
#pragma once
#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "glip/synth/options.h"
#include "glip/synth/rng.h"

namespace glip::synth {

/** How a split samples its objects. */
enum class SplitKind {
  kGold,  ///< training distribution (skewed colour-shape frequencies); held-out concepts never appear
  kWeb,   ///< training distribution; most images also show a held-out concept
  kEval,  ///< uniform over every colour-shape combo, held-out ones included
};

/** One object's attributes (indices into the configured lists) and geometry in pixels. */
struct ObjectSpec {
  int shape = 0, colour = 0, texture = 0;
  int size = 0;               ///< 0 small, 1 medium, 2 large (index into size_words())
  double cx = 0, cy = 0;      ///< centre
  double side = 0;            ///< side of the square the shape is fitted into
  double angle = 0;           ///< rotation in radians
  int jitter[3] = {0, 0, 0};  ///< per-object colour jitter (BGR)
  double texture_angle = 0;   ///< stripe direction
};

/** A box in pixel bounds: x1 <= x < x2, y1 <= y < y2. */
struct Box {
  int x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  int width() const { return x2 - x1; }
  int height() const { return y2 - y1; }
};

/** A drawn object: its spec, the box of its visible pixels, the count of visible pixels. */
struct SceneObject {
  ObjectSpec spec;
  Box box;
  int64_t area = 0;
  double visible = 1.0;  ///< visible fraction of its pixels (1: not occluded)
};

/** One rendered image with its objects in drawing order (later objects occlude earlier ones). */
struct Scene {
  cv::Mat image;  ///< CV_8UC3, BGR
  std::vector<SceneObject> objects;
  std::string background;  ///< "dark", "grey" or "light"
};

/** Samples and renders scenes of one world. Thread-safe after construction. */
class SceneRenderer {
 public:
  SceneRenderer(const WorldOptions& options, uint64_t seed);

  /** Renders the scene of stream `stream` (e.g. split id and image index combined) for a split kind. */
  Scene render(SplitKind kind, uint64_t stream) const;

  /** True when the object matches a held-out concept. */
  bool is_heldout(const ObjectSpec& spec) const;
  /** Index of the held-out concept an object matches, or -1. */
  int heldout_index(const ObjectSpec& spec) const;
  /** Index of the world.rare concept an object matches, or -1. */
  int rare_index(const ObjectSpec& spec) const;

  const WorldOptions& options() const { return opt_; }
  const std::vector<Concept>& concepts() const { return concepts_; }
  /** Relative training frequency of colour-shape combo (colour * shapes + shape); 0 when held out. */
  const std::vector<double>& combo_weights() const { return combo_weights_; }

 private:
  std::vector<ObjectSpec> sample_objects(SplitKind kind, Rng& rng) const;
  void sample_attributes(SplitKind kind, Rng& rng, ObjectSpec& o) const;
  int size_class(double side) const;

  WorldOptions opt_;
  uint64_t seed_;
  std::vector<Concept> concepts_;
  std::vector<Concept> rare_;
  std::vector<double> combo_weights_;
};

/** Draws the mask (255 inside) of one object into `mask` (CV_8UC1, same size as the image). */
void draw_shape_mask(const std::string& shape, const ObjectSpec& spec, cv::Mat& mask);

}  // namespace glip::synth
