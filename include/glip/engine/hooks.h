/**
 * The trainer's standard hooks (src/engine/hooks.cpp): progress line, metrics file, periodic evaluation and the
 * training curves. Each is a TrainHook (glip/engine/trainer.h) that Trainer::add_hook takes.
 */
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "glip/engine/trainer.h"

namespace glip::engine {

/** The progress line (rank 0, every log_period steps): iteration, loss terms, LR, it/s, images/s, ETA. */
std::shared_ptr<TrainHook> make_progress_hook();
/** Appends one JSON line per log_period steps (and every evaluation) to WORK_DIR/metrics.jsonl (rank 0). */
std::shared_ptr<TrainHook> make_metrics_hook();
/**
 * Calls `evaluate(iteration)` every `period` steps and at the end; its metrics go to the metrics file. `evaluate`
 * runs on every rank; under solver.use_autostep it reports the monitored metric (Trainer::report_eval_metric).
 */
std::shared_ptr<TrainHook> make_eval_hook(int64_t period,
                                          std::function<std::map<std::string, double>(Trainer&, int64_t)> evaluate);
/** At the end: WORK_DIR/loss_curves.png and metric_curves.png drawn from metrics.jsonl (rank 0). */
std::shared_ptr<TrainHook> make_curves_hook();

}  // namespace glip::engine
