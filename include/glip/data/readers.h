/**
 * Dataset readers: each turns files in a standard format into a RecordSet. Paths inside annotation files are
 * resolved against `image_root`. Every error names the file (and line or image id) and what was expected.
 * Boxes come out in the official convention (glip/data/boxes.h): a COCO [x, y, w, h] (COCO, LVIS, MDETR) becomes
 * [x, y, x + w - 1, y + h - 1]; ODVG's [x1, y1, x2, y2] = [x, y, x + w, y + h] and Flickr30K's xmin..xmax (which
 * MDETR's conversion writes as w = xmax - xmin) the same way; pseudo-label boxes are read as written.
 */
#pragma once
#include <string>
#include <vector>

#include "glip/data/record.h"

namespace glip::formats {
struct GroundTruth;
}

namespace glip::data {

/** read_coco_detection (lvis false) / read_lvis (true) of an instances file already read
 *  (formats::load_ground_truth). */
RecordSet read_instances(const formats::GroundTruth& gt, const std::string& image_root, bool lvis);

/** COCO instances JSON (detection; also Objects365/ODinW in COCO format). Crowd boxes are dropped. */
RecordSet read_coco_detection(const std::string& json_path, const std::string& image_root);

/** LVIS v1 JSON (detection; file names taken from `coco_url` when `file_name` is absent). */
RecordSet read_lvis(const std::string& json_path, const std::string& image_root);

/**
 * MDETR mixed grounding JSON (final_mixed_train*.json, final_flickr_separateGT_*.json): per image a
 * `caption`; per annotation an xywh `bbox` and `tokens_positive` character spans.
 */
RecordSet read_mdetr(const std::string& json_path, const std::string& image_root);

/**
 * ODVG jsonl: one image per line, either {"grounding": {"caption", "regions": [{"bbox": xyxy, "phrase",
 * "tokens_positive"}]}} or {"detection": {"instances": [{"bbox": xyxy, "label", "category"}]}}.
 */
RecordSet read_odvg(const std::string& jsonl_path, const std::string& image_root);

/**
 * Flickr30K Entities from its raw files: `split_path` is the split's id list (train.txt / val.txt / test.txt);
 * Sentences/ID.txt and Annotations/ID.xml lie next to it; images are `image_root`/ID.jpg (default: the
 * split's folder + "/images"). One grounding record per (image, sentence) with at least one boxed phrase;
 * each box of an entity carries the spans of every phrase that names it in that sentence (as MDETR's
 * separateGT conversion). Phrases of entities without boxes (scene, notvisual) are not targets.
 */
RecordSet read_flickr(const std::string& split_path, const std::string& image_root);

/** Filters of pseudo-labelled data (official CAPTION_CONF / CAPTION_MIN_BOX). */
struct PseudoFilter {
  float min_score = 0.5f;  ///< boxes under this teacher score are dropped
  int min_boxes = 1;       ///< records with fewer boxes left are dropped
  /**
   * true: a phrase left without a box (the teacher found none over min_score) becomes an ignored span of its
   * record (Record::ignored_spans), so its object is not taught to be a negative of its own words; false
   * (official): its tokens stay in the caption as negatives for every anchor.
   */
  bool ignore_unboxed = false;
};

/** Pseudo-label shards written by glip_pseudolabel (grounding jsonl; see docs/formats.md). */
RecordSet read_pseudo_shards(const std::vector<std::string>& jsonl_paths, const PseudoFilter& filter = {});

/**
 * WebDataset tar shards: image (io::image_extensions()) + caption (.txt, or .json with "caption") per key.
 * Each shard is listed once: records carry their image member's offset and size.
 */
RecordSet read_webdataset(const std::vector<std::string>& tar_paths);

/**
 * WebDataset naming (webdataset's base_plus_ext): a member's key is its name up to the first '.' of its base
 * name and its extension the rest, lower-cased ("a/b.Seg.JPG" -> "a/b", "seg.jpg"). False when the base name
 * has no '.' (no sample member).
 */
bool webdataset_key(const std::string& member, std::string& key, std::string& ext);

}  // namespace glip::data
