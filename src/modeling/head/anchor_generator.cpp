#include "glip/modeling/head/anchor_generator.h"

#include <cmath>
#include <string>

#include "glip/core/error.h"

namespace glip::modeling {
namespace {

// numpy.round: round half to even (the default floating-point rounding mode).
double round_half_even(double v) { return std::nearbyint(v); }

void append_anchor(std::vector<double>& out, double w, double h, double cx, double cy) {
  out.insert(out.end(), {cx - 0.5 * (w - 1), cy - 0.5 * (h - 1), cx + 0.5 * (w - 1), cy + 0.5 * (h - 1)});
}

}  // namespace

at::Tensor generate_cell_anchors(int64_t stride, const std::vector<double>& sizes,
                                 const std::vector<double>& aspect_ratios) {
  GLIP_CHECK(stride > 0, "anchor generator: stride must be positive, got ", stride);
  GLIP_CHECK(!sizes.empty() && !aspect_ratios.empty(), "anchor generator: need at least one size and one ratio");
  // Reference window (0, 0, stride - 1, stride - 1).
  const double base = static_cast<double>(stride);
  const double ctr = 0.5 * (base - 1);
  std::vector<double> out;
  for (double ratio : aspect_ratios) {
    GLIP_CHECK(ratio > 0, "anchor generator: aspect ratio must be positive, got ", ratio);
    const double rw = round_half_even(std::sqrt(base * base / ratio));
    const double rh = round_half_even(rw * ratio);
    // The ratio anchor is centred on ctr, so its own (w, h, centre) are (rw, rh, ctr).
    for (double size : sizes) {
      GLIP_CHECK(size > 0, "anchor generator: anchor size must be positive, got ", size);
      const double scale = size / base;
      append_anchor(out, rw * scale, rh * scale, ctr, ctr);
    }
  }
  return at::tensor(out, at::TensorOptions().dtype(at::kDouble)).view({-1, 4});
}

BufferListImpl::BufferListImpl(const std::vector<at::Tensor>& buffers) {
  for (size_t i = 0; i < buffers.size(); ++i) buffers_.push_back(register_buffer(std::to_string(i), buffers[i]));
}

AnchorGeneratorImpl::AnchorGeneratorImpl(AnchorGeneratorOptions options) : options_(std::move(options)) {
  GLIP_CHECK(options_.sizes.size() == options_.strides.size(), "anchor generator: ", options_.sizes.size(),
             " anchor sizes but ", options_.strides.size(), " strides (one size per FPN level expected)");
  GLIP_CHECK(options_.scales_per_octave >= 1, "anchor generator: scales_per_octave must be >= 1, got ",
             options_.scales_per_octave);
  std::vector<at::Tensor> cells;
  for (size_t l = 0; l < options_.strides.size(); ++l) {
    std::vector<double> level_sizes;
    for (int64_t s = 0; s < options_.scales_per_octave; ++s)
      level_sizes.push_back(std::pow(options_.octave, static_cast<double>(s) / options_.scales_per_octave) *
                            options_.sizes[l]);
    cells.push_back(generate_cell_anchors(options_.strides[l], level_sizes, options_.aspect_ratios).to(at::kFloat));
  }
  cell_anchors = register_module("cell_anchors", BufferList(cells));
}

int64_t AnchorGeneratorImpl::num_anchors_per_location() const {
  return static_cast<int64_t>(options_.aspect_ratios.size()) * options_.scales_per_octave;
}

std::vector<at::Tensor> AnchorGeneratorImpl::forward(const std::vector<std::array<int64_t, 2>>& grid_sizes_hw) const {
  GLIP_CHECK(grid_sizes_hw.size() == num_levels(), "anchor generator: got ", grid_sizes_hw.size(), " feature maps for ",
             num_levels(), " levels");
  std::vector<at::Tensor> anchors;
  for (size_t l = 0; l < grid_sizes_hw.size(); ++l) {
    const auto& cell = (*cell_anchors)[l];
    const int64_t h = grid_sizes_hw[l][0], w = grid_sizes_hw[l][1], stride = options_.strides[l];
    GLIP_CHECK(h >= 0 && w >= 0, "anchor generator: negative grid size (", h, ", ", w, ") on level ", l);
    auto opts = cell.options();
    auto shifts_x = at::arange(0, w * stride, stride, opts).to(cell.scalar_type());
    auto shifts_y = at::arange(0, h * stride, stride, opts).to(cell.scalar_type());
    auto grid = at::meshgrid({shifts_y, shifts_x}, "ij");
    auto sx = grid[1].reshape(-1), sy = grid[0].reshape(-1);
    auto shifts = at::stack({sx, sy, sx, sy}, 1);
    anchors.push_back((shifts.view({-1, 1, 4}) + cell.view({1, -1, 4})).reshape({-1, 4}));
  }
  return anchors;
}

std::vector<at::Tensor> AnchorGeneratorImpl::forward(const std::vector<at::Tensor>& feature_maps) const {
  std::vector<std::array<int64_t, 2>> sizes;
  for (const auto& f : feature_maps) {
    GLIP_CHECK(f.dim() >= 2, "anchor generator: feature map must have at least 2 dims, got ", f.sizes());
    sizes.push_back({f.size(-2), f.size(-1)});
  }
  return forward(sizes);
}

}  // namespace glip::modeling
