// The preview image: a grid of samples with their boxes and phrases drawn (internal to glip_synth).
#pragma once
#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "glip/synth/scene.h"

namespace glip::synth {

struct PreviewSample {
  cv::Mat image;                                   ///< BGR
  std::vector<std::pair<Box, std::string>> boxes;  ///< box and its label
  std::string caption;
};

/** Draws the samples (scaled up 2x) into a square grid with the captions underneath; PNG bytes. */
std::string render_preview_png(const std::vector<PreviewSample>& samples);

}  // namespace glip::synth
