/**
 * The `eval.*` config section: the datasets `glip_eval --dataset NAME` can evaluate a model on, each with its
 * protocol (how prompts are built, which results format is written and which scorer reads it). Paths are
 * relative to the data root (--data-root / GLIP_DATA_ROOT).
 *
 *   eval:
 *     datasets:
 *       - {name: coco_val, protocol: coco, annotation: coco/annotations/instances_val2017.json,
 *          image_root: coco/val2017}
 *       - {name: lvis_minival, protocol: lvis_fixed, annotation: coco/annotations/lvis_v1_minival.json,
 *          image_root: coco}                                   # chunks of 40 categories
 *       - {name: flickr_test, protocol: flickr, annotation: mdetr_annotations/final_flickr_separateGT_test.json,
 *          image_root: flickr30k/images, flickr_root: flickr30k/flickr30k_entities, split: test}
 *       - {name: odinw, protocol: odinw, members: [aquarium, pothole]}   # each member: protocol coco
 *   (a dataset may carry its own override_category / caption_prompt, as the official ODinW task configs do)
 */
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "glip/config/visitor.h"
#include "glip/data/data_config.h"

namespace glip::inference {

struct EvalDatasetConfig {
  std::string name;
  std::string protocol = "coco";     ///< coco | lvis | lvis_fixed | flickr | odinw
  std::string annotation;            ///< COCO/LVIS instances JSON; flickr: MDETR final_flickr_separateGT_<split>.json
  std::string image_root;            ///< folder the file names are relative to (LVIS: the last two parts of coco_url)
  std::string flickr_root;           ///< flickr: Flickr30K Entities folder (<split>.txt, Sentences/, Annotations/)
  std::string split = "test";        ///< flickr: split of flickr_root to score against
  bool merge_boxes = false;          ///< flickr: merged ground-truth boxes (official FLICKR_GT_TYPE "merged")
  int64_t chunk_size = 0;            ///< categories per prompt: 0 = protocol default (LVIS 40, else test.chunk_size)
  std::vector<std::string> members;  ///< odinw: names of coco-protocol datasets of eval.datasets
  int64_t detections_per_image = 0;  ///< per image and prompt: 0 = protocol default (lvis 300, else the model's)
  /// coco / lvis prompts of this dataset (official per-task DATASETS.OVERRIDE_CATEGORY / CAPTION_PROMPT, used with
  /// USE_OVERRIDE_CATEGORY / USE_CAPTION_PROMPT True as the ODinW evaluation does); when either is set they
  /// replace data.override_category / data.caption_prompt for this dataset.
  std::vector<data::CategoryOverride> override_category;
  std::vector<data::CaptionPromptEntry> caption_prompt;

  void visit(config::Visitor& v);
};

struct EvalConfig {
  std::vector<EvalDatasetConfig> datasets;
  void visit(config::Visitor& v);
};

/**
 * Cross-field rules: unique non-empty names, an annotation for every protocol but odinw, flickr_root for
 * flickr, members of odinw naming coco datasets. Throws one InputError listing every problem.
 */
void validate(const EvalConfig& cfg);

/** The dataset called `name`; InputError naming it and listing the configured names when there is none. */
const EvalDatasetConfig& find_dataset(const EvalConfig& cfg, const std::string& name);

/**
 * The dataset glip_eval evaluates when --dataset is not given: the only one that is not a member of an odinw
 * dataset (every file of configs/eval/ has one). InputError listing the candidates when there are none or
 * several.
 */
std::string default_dataset(const EvalConfig& cfg);

/**
 * Categories per prompt: the dataset's chunk_size when set, 40 for lvis / lvis_fixed (official
 * TEST.CHUNKED_EVALUATION), else `default_chunk_size` (test.chunk_size; -1 = all in one prompt).
 */
int64_t effective_chunk_size(const EvalDatasetConfig& ds, int64_t default_chunk_size);

/**
 * Detections kept per image and prompt (chunk): the dataset's detections_per_image when set, 300 for lvis /
 * lvis_fixed (the official LVIS evaluation's MODEL.ATSS.DETECTIONS_PER_IMG 300), else `model_default`
 * (model.detections_per_img).
 */
int64_t effective_detections_per_image(const EvalDatasetConfig& ds, int64_t model_default);

}  // namespace glip::inference
