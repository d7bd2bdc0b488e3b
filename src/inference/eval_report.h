// A dataset evaluation's metrics.json, written the same way by model_eval.cpp and odinw_eval.cpp.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "glip/core/progress.h"
#include "glip/inference/model_eval.h"

namespace glip::inference {

using ojson = nlohmann::ordered_json;  // metrics keep the evaluators' order (AP, AP50, AP75, ...)

/** Adds the image count and the throughput to `metrics`, writes dir/metrics.json and returns the report. */
DatasetEvalReport finish_report(const std::string& dir, ojson metrics, const std::string& table, int64_t images,
                                const ProgressMeter& meter);

}  // namespace glip::inference
