/**
 * Writers of the synthetic world's annotation files, each in the real format of its dataset:
 * COCO instances, MDETR mixed grounding JSON, ODVG jsonl, the Flickr30K Entities tree, LVIS v1.
 * They return file contents (callers write them) except the Flickr tree, which is many files.
 * docs/formats.md shows a small example of each.
 */
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "glip/synth/captions.h"
#include "glip/synth/scene.h"

namespace glip::synth {

/** One annotated image of a split (pixels already written to `file_name`). */
struct ImageRecord {
  int64_t id = 0;
  std::string file_name;  ///< relative to the split's image folder
  int width = 0, height = 0;
  std::vector<SceneObject> objects;
  std::string background;
};

/** An image with one caption (gold grounding, web). */
struct GroundedRecord {
  ImageRecord image;
  std::vector<Entity> entities;
  Caption caption;
};

/** An image with several sentences (Flickr30K Entities). */
struct FlickrRecord {
  ImageRecord image;
  std::vector<Entity> entities;
  std::vector<Caption> sentences;
};

/** COCO instances JSON; categories are the configured shape names (ids 1..N, like Objects365). */
std::string coco_detection_json(const std::vector<ImageRecord>& images, const WorldOptions& o);

/**
 * MDETR mixed-format grounding JSON: one image entry per caption (caption, dataset_name, tokens_positive_eval,
 * sentence_id, original_img_id) and one annotation per box (bbox xywh, tokens_positive [[s,e]], category_id =
 * shape category).
 */
std::string mdetr_json(const std::vector<GroundedRecord>& records, const WorldOptions& o,
                       const std::string& dataset_name);

/** ODVG grounding jsonl: one line per image with regions (bbox x1y1x2y2, phrase, tokens_positive). */
std::string odvg_jsonl(const std::vector<GroundedRecord>& records);

/** The web sample's json side file: caption, size, key; no boxes. */
std::string web_sample_json(const GroundedRecord& r, const std::string& key);

/** Entity id (Flickr "EN#" number) of entity `e` of record `r`: unique across the split. */
int64_t flickr_entity_id(const FlickrRecord& r, int e);
/** Sentence in Flickr30K Entities markup: "[/EN#1000001/other a red star] left of ...". */
std::string flickr_markup(const FlickrRecord& r, const Caption& c);
/** Writes test.txt, Sentences/ID.txt and Annotations/ID.xml under `dir` (which must exist). */
void write_flickr_tree(const std::string& dir, const std::vector<FlickrRecord>& records);
/** MDETR "final_flickr_separateGT_test.json": one entry per (image, sentence), phrases with boxes only. */
std::string flickr_mdetr_json(const std::vector<FlickrRecord>& records, const WorldOptions& o);

/** Per colour-shape category: training images and instances (gold splits). Index = category id - 1. */
struct CategoryCounts {
  std::vector<int64_t> images, instances;
};
/** LVIS category id of an object: colour * shapes + shape + 1. */
int lvis_category_id(const ObjectSpec& s, const WorldOptions& o);
/** "r" / "c" / "f" from a training image count (LVIS: r <= 10, c <= 100, f otherwise; configurable). */
std::string lvis_frequency(int64_t image_count, const WorldOptions& o);

/** LVIS image-level labels chosen for one image. */
struct LvisImageLabels {
  std::vector<int> neg_category_ids, not_exhaustive_category_ids;
  std::vector<int> dropped;  ///< object indices left unannotated (in a not-exhaustive category)
};
/** Picks neg / not-exhaustive categories for one image (deterministic in `rng`). */
LvisImageLabels lvis_labels(const ImageRecord& r, const WorldOptions& o, Rng& rng);
/** LVIS v1 JSON with colour x shape categories, frequencies from `train` counts. */
std::string lvis_json(const std::vector<ImageRecord>& images, const std::vector<LvisImageLabels>& labels,
                      const CategoryCounts& train, const WorldOptions& o);

}  // namespace glip::synth
