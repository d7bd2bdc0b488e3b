/**
 * Evaluating a model (glip_eval --config C --checkpoint K --dataset NAME): inference with the official
 * evaluation prompts, results in the standard formats, scored by the evaluators (COCOeval, LVISEval, Flickr recall).
 *
 *  - coco / odinw members: all categories in one prompt (split automatically when it exceeds
 *    model.max_query_len tokens); results as maskrcnn_benchmark's prepare_for_coco_detection writes them
 *    (xywh with w = x2 - x1 + 1, the BoxList.convert("xywh") convention).
 *  - lvis / lvis_fixed: chunks of 40 categories (official TEST.CHUNKED_EVALUATION); per image the detections of
 *    every chunk together, xywh as MDETR's convert_to_xywh (w = x2 - x1); LVISEval standard or Fixed AP.
 *  - flickr: each sentence (MDETR final_flickr_separateGT json) is the prompt, its phrases with boxes the labels;
 *    per phrase the boxes by descending score plus [0, 0, 0, 0] (official flickr_post_process), scored by
 *    MDETR's recall evaluator.
 * Batched detection: batch_detect.h; Flickr grounding: flickr_grounding.h; the ODinW mean: odinw_eval.h.
 */
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "glip/inference/eval_config.h"
#include "glip/inference/predictor.h"
#include "glip/text/prompt.h"

namespace glip::inference {

/** What glip_eval needs besides the config to evaluate a dataset. */
struct ModelEvalRun {
  const Predictor* predictor = nullptr;
  std::string data_root;            ///< paths of eval.datasets are relative to it
  std::string out_dir;              ///< results and metrics go to out_dir/<dataset name>/
  int64_t batch_size = 1;           ///< test.ims_per_batch
  int64_t default_chunk_size = -1;  ///< test.chunk_size
  bool reuse_features = true;
  bool show_progress = true;       ///< progress line on stderr
  std::string record_json = "{}";  ///< reproducibility fields of the run (checkpoint, config hash, device, ...)
  /** coco/lvis prompts: how each category (id -> name of the annotation file) of dataset `what` is written
   *  (data::class_prompts over data.override_category / caption_prompt); unset or empty: the names. A dataset's
   *  own override_category / caption_prompt come first. */
  std::function<text::ClassPrompts(const std::map<int64_t, std::string>&, const std::string& what)> class_prompts;
};

/** What evaluate_dataset produced. */
struct DatasetEvalReport {
  std::string metrics_json;  ///< also written to out_dir/<name>/metrics.json
  std::string table;         ///< the scorer's summary table(s)
  int64_t images = 0;        ///< images (flickr: image-sentence pairs) run through the model
  double seconds = 0;        ///< inference wall time
};

/**
 * Evaluates the model on eval dataset `name`: writes out_dir/<name>/results.json (the standard results file),
 * scores it with the dataset's protocol and writes out_dir/<name>/metrics.json with the metrics, the throughput
 * and the reproducibility record (run.record_json plus protocol, chunk size, annotation path and sha256).
 * odinw: each member in turn (out_dir/<name>/<member>/), then the mean AP.
 */
DatasetEvalReport evaluate_dataset(const EvalConfig& cfg, const std::string& name, const ModelEvalRun& run);

}  // namespace glip::inference
