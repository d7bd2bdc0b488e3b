/**
 * The ODinW-style mean (eval protocol odinw): evaluate_dataset on each member (coco protocol) in turn, into
 * dir/<member>/, then the mean of their AP; metrics.json keeps every member's metrics.
 */
#pragma once
#include <string>

#include "glip/inference/eval_config.h"
#include "glip/inference/model_eval.h"

namespace glip::inference {

/** Evaluates the members of odinw dataset `ds` of `cfg` and writes dir/metrics.json with their mean AP. */
DatasetEvalReport evaluate_odinw(const EvalConfig& cfg, const EvalDatasetConfig& ds, const ModelEvalRun& run,
                                 const std::string& dir);

}  // namespace glip::inference
