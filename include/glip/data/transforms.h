/**
 * Image and target transforms as the official GLIP pipeline: multi-scale resize of the short side (max long
 * side), horizontal flip, BGR 0-255 normalised with the official mean/std. The flip also swaps the words
 * "left" and "right" in the caption and moves the spans with them (MDETR's rule; official GLIP does not swap).
 */
#pragma once
#include <ATen/ATen.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "glip/data/record.h"

namespace glip::data {

struct TransformOptions {
  std::vector<int64_t> min_size{800};                           ///< short side, one drawn uniformly per sample
  int64_t max_size = 1333;                                      ///< long side limit (<= 0: none)
  double flip_prob = 0.0;                                       ///< horizontal flip probability (training: 0.5)
  std::array<double, 3> pixel_mean{103.530, 116.280, 123.675};  ///< BGR, 0-255
  std::array<double, 3> pixel_std{57.375, 57.120, 58.395};
};

/** A decoded, transformed sample ready for collation. */
struct TransformedSample {
  at::Tensor image;                  ///< [3, h, w] float, normalised BGR
  std::string caption;               ///< possibly with left/right swapped
  std::vector<BoxAnnotation> boxes;  ///< xyxy in the resized (and flipped) image; spans follow the caption
  std::vector<Span> ignored_spans;   ///< the record's ignored spans, following the caption
  int64_t orig_h = 0, orig_w = 0;
  bool flipped = false;
};

/** Output (h, w) of the official Resize.get_size for an image of (h, w) and a drawn short side. */
std::array<int64_t, 2> resized_size(int64_t h, int64_t w, int64_t short_side, int64_t max_size);

/** Decodes an image (file or tar member) as BGR uint8 [H, W, 3]; InputError naming it when corrupt. */
at::Tensor decode_image(const ImageSource& source);

/**
 * Swaps whole words "left" <-> "right" (any case kept as written) and remaps the boxes' spans and, when given,
 * `more_spans`; spans stay valid.
 */
std::string swap_left_right(const std::string& caption, std::vector<BoxAnnotation>& boxes,
                            std::vector<Span>* more_spans = nullptr);

/** Applies resize (+ flip when drawn) to a decoded image and its record. `rng` drives every random choice. */
TransformedSample transform_sample(const Record& record, const at::Tensor& bgr_u8, const TransformOptions& opts,
                                   std::mt19937_64& rng);

}  // namespace glip::data
