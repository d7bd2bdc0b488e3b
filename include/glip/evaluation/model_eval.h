/**
 * Evaluating a model (glip_eval --config C --checkpoint K --dataset NAME): inference with the official
 * evaluation prompts, results in the standard formats, scored by the evaluators of this folder.
 *
 *  - coco / odinw members: all categories in one prompt (split automatically when it exceeds
 *    model.max_query_len tokens); results as maskrcnn_benchmark's prepare_for_coco_detection writes them
 *    (xywh with w = x2 - x1 + 1, the BoxList.convert("xywh") convention).
 *  - lvis / lvis_fixed: chunks of 40 categories (official TEST.CHUNKED_EVALUATION); per image the detections of
 *    every chunk together, xywh as MDETR's convert_to_xywh (w = x2 - x1); LVISEval standard or Fixed AP.
 *  - flickr: each sentence (MDETR final_flickr_separateGT json) is the prompt, its phrases with boxes the labels;
 *    per phrase the boxes by descending score plus [0, 0, 0, 0] (official flickr_post_process), scored by
 *    MDETR's recall evaluator.
 * The visual backbone runs once per batch of images; every prompt chunk reuses its features (Predictor::encode
 * then Predictor::detect per chunk).
 */
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "glip/data/record.h"
#include "glip/evaluation/detection_data.h"
#include "glip/evaluation/eval_config.h"
#include "glip/inference/predictor.h"
#include "glip/structures/batch.h"
#include "glip/text/prompt.h"

namespace glip::eval {

/** An image to run on: its id in the annotation file and where its bytes are. */
struct EvalImage {
  int64_t image_id = 0;
  data::ImageSource source;
};

struct InferenceOptions {
  int64_t batch_size = 1;       ///< images per encode()/detect() call (test.ims_per_batch)
  bool reuse_features = true;   ///< false: re-run the backbone for every prompt chunk (checks the reuse)
  std::function<void(int64_t)> on_images_done;  ///< called after each batch with its number of images
};

/**
 * The prompts of a category vocabulary (create_queries_and_maps): chunks of `chunk_size` (-1: all in one).
 * When a chunk's prompt is longer than `max_query_len` tokens ([CLS]/[SEP] included), the largest smaller
 * chunk size whose prompts all fit is used instead (logged), so vocabularies of any size run unattended.
 * `parts` (data.caption_prompt / override_category) changes how classes are written.
 */
std::vector<text::CategoryQuery> plan_category_queries(const std::map<int64_t, std::string>& categories,
                                                       const text::Tokenizer& tok, int64_t chunk_size,
                                                       int64_t max_query_len,
                                                       const text::ClassPrompts* parts = nullptr);

/**
 * Runs every query on every image of the batch; per image the detections of all queries concatenated in query
 * order (labels from the queries). With reuse_features the backbone runs once for the batch.
 */
std::vector<Detections> detect_batch(const inference::Predictor& predictor, const std::vector<at::Tensor>& bgr_images,
                                     const std::vector<text::Prompt>& queries, bool reuse_features);

/** detect_batch over a list of images in batches of options.batch_size (images decoded as they are needed). */
std::vector<Detections> detect_images(const inference::Predictor& predictor, const std::vector<EvalImage>& images,
                                      const std::vector<text::Prompt>& queries, const InferenceOptions& options);

/** Results entries (image order, then detection order); `plus_one`: w = x2 - x1 + 1 (COCO), else x2 - x1 (LVIS). */
std::vector<DetectionResult> to_results(const std::vector<EvalImage>& images, const std::vector<Detections>& dets,
                                        bool plus_one);

/** A results file's text: [{"image_id", "category_id", "bbox": [x, y, w, h], "score"}, ...]. */
std::string results_json(const std::vector<DetectionResult>& results);

/** One (image, sentence) of a Flickr30K Entities split with its grounding query. */
struct FlickrQuery {
  std::string image_id_json;     ///< original_img_id as its JSON text (e.g. 1000000 or "1000000")
  std::string sentence_id_json;  ///< sentence_id as its JSON text
  data::ImageSource source;
  text::Prompt prompt;           ///< the caption; label p + 1 on each span of phrase p (tokens_positive_eval)
  int64_t num_phrases = 0;
};

/** Reads MDETR's final_flickr_separateGT_<split>.json (images with caption, tokens_positive_eval, ids). */
std::vector<FlickrQuery> read_flickr_queries(const std::string& mdetr_json, const std::string& image_root);

/**
 * Grounds every query and returns the results file's text in MDETR's format
 * [{"image_id", "sentence_id", "boxes": [[[x1, y1, x2, y2], ...] per phrase]}]. Batched; the sentences of an
 * image share one backbone pass.
 */
std::string ground_flickr(const inference::Predictor& predictor, const std::vector<FlickrQuery>& queries,
                          const InferenceOptions& options);

/** What glip_eval needs besides the config to evaluate a dataset. */
struct ModelEvalRun {
  const inference::Predictor* predictor = nullptr;
  std::string data_root;            ///< paths of eval.datasets are relative to it
  std::string out_dir;              ///< results and metrics go to out_dir/<dataset name>/
  int64_t batch_size = 1;           ///< test.ims_per_batch
  int64_t default_chunk_size = -1;  ///< test.chunk_size
  bool reuse_features = true;
  bool show_progress = true;        ///< progress line on stderr
  std::string record_json = "{}";   ///< reproducibility fields of the run (checkpoint, config hash, device, ...)
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

}  // namespace glip::eval
