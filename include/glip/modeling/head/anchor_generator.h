/**
 * The anchor generator of GLIP's ATSS head (`make_anchor_generator_complex`): one size per FPN level (times
 * the octave scales), the given aspect ratios, anchors centred on (stride - 1) / 2 with the legacy +1
 * convention. Anchors are ordered level-major, then row-major (y, x), then per-location anchor.
 *
 * The per-level base anchors are registered as buffers `cell_anchors.0 ... cell_anchors.{L-1}` ([A, 4] F32),
 * the names they have in the official state dict (`rpn.anchor_generator.cell_anchors.*`).
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <vector>

namespace glip::modeling {

struct AnchorGeneratorOptions {
  std::vector<double> sizes{64, 128, 256, 512, 1024};  ///< RPN.ANCHOR_SIZES, one per level
  std::vector<double> aspect_ratios{1.0};              ///< RPN.ASPECT_RATIOS (h / w)
  std::vector<int64_t> strides{8, 16, 32, 64, 128};    ///< RPN.ANCHOR_STRIDE, one per level
  int64_t scales_per_octave = 1;                       ///< RPN.SCALES_PER_OCTAVE
  double octave = 2.0;                                 ///< RPN.OCTAVE
};

/**
 * Base anchors [A, 4] (float64) of one level: the official `generate_anchors(stride, sizes, ratios)`, with
 * numpy's round-half-to-even for the ratio widths. A = ratios x sizes, ratio-major.
 */
at::Tensor generate_cell_anchors(int64_t stride, const std::vector<double>& sizes,
                                 const std::vector<double>& aspect_ratios);

/** Holds the cell-anchor buffers under the names "0", "1", ... (the official BufferList). */
class BufferListImpl : public torch::nn::Module {
 public:
  explicit BufferListImpl(const std::vector<at::Tensor>& buffers);
  size_t size() const { return buffers_.size(); }
  const at::Tensor& operator[](size_t i) const { return buffers_.at(i); }

 private:
  std::vector<at::Tensor> buffers_;
};
TORCH_MODULE(BufferList);

class AnchorGeneratorImpl : public torch::nn::Module {
 public:
  explicit AnchorGeneratorImpl(AnchorGeneratorOptions options = {});

  /** Anchors per location on each level (ratios x scales per octave). */
  int64_t num_anchors_per_location() const;

  /** Number of levels. */
  size_t num_levels() const { return options_.strides.size(); }

  /**
   * Anchors of each level for feature maps of the given (h, w) sizes: [h * w * A, 4] F32 xyxy, on the
   * device of the buffers. The anchors do not depend on the image, so one set serves a whole padded batch.
   */
  std::vector<at::Tensor> forward(const std::vector<std::array<int64_t, 2>>& grid_sizes_hw) const;

  /** Same, reading the (h, w) of each level from feature maps [B, C, h, w]. */
  std::vector<at::Tensor> forward(const std::vector<at::Tensor>& feature_maps) const;

  const AnchorGeneratorOptions& options() const { return options_; }
  BufferList cell_anchors{nullptr};

 private:
  AnchorGeneratorOptions options_;
};
TORCH_MODULE(AnchorGenerator);

}  // namespace glip::modeling
