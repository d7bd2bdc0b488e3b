/** Line plots of training curves (OpenCV drawing; no plotting library needed). */
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace glip::engine {

using Series = std::vector<std::pair<double, double>>;  // (iteration, value)

/** Draws each named series as a coloured line with axes, ticks and a legend, and writes a PNG atomically. */
void plot_curves(const std::string& png_path, const std::string& title, const std::map<std::string, Series>& series);

}  // namespace glip::engine
