/**
 * Teacher versus student: metrics of several runs (JSON files as the evaluators write them) side by side, as
 * a Markdown table and a grouped bar chart PNG. Used by glip_compare and the README's main job.
 */
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace glip::pseudo {

/** Numeric leaves of a JSON document as "a/b/c" -> value (array elements by index). */
std::map<std::string, double> flatten_metrics(const nlohmann::json& j);

/** One column of the comparison. */
struct RunMetrics {
  std::string name;                       ///< e.g. "teacher"
  std::map<std::string, double> metrics;  ///< flattened
};

/**
 * Markdown table: one row per key (in the given order, with its label), one column per run, and a last
 * column "B - A" (second run minus first) when there are two runs. A key a run lacks shows "-".
 */
std::string comparison_table(const std::vector<RunMetrics>& runs, const std::vector<std::string>& keys,
                             const std::vector<std::string>& labels);

/** Grouped bars (one group per key, one bar per run, values printed), written atomically as PNG. */
void plot_comparison(const std::string& png_path, const std::string& title, const std::vector<RunMetrics>& runs,
                     const std::vector<std::string>& keys, const std::vector<std::string>& labels);

}  // namespace glip::pseudo
