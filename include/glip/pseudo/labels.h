/**
 * From a caption and the teacher's detections to one pseudo-label record (GLIP paper section 3.3, the
 * official demo's run_ner + predictor_glip): the caption's noun phrases become the spans of the prompt (the
 * caption itself is the prompt text), and per phrase the teacher's boxes over the threshold are kept.
 */
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "glip/pseudo/pseudo_config.h"
#include "glip/structures/batch.h"
#include "glip/text/noun_phrases.h"
#include "glip/text/prompt.h"

namespace glip::pseudo {

/** The teacher's query for a caption: text = caption, one span per noun phrase, labels 1..n. */
text::Prompt caption_query(const std::string& caption, const text::NounPhraseExtractor& extractor);

/** The kept boxes of one phrase. */
struct PhraseLabel {
  std::array<int64_t, 2> span{};            ///< [start, end) code points of the caption
  std::string text;                         ///< the phrase as written in the caption
  std::vector<std::array<float, 4>> boxes;  ///< xyxy, original-image pixels, best score first
  std::vector<float> scores;
};

/** One labelled image-caption pair: a line of an output shard (docs/formats.md, pseudo-label shards). */
struct PseudoRecord {
  int64_t image_id = 0;
  std::string key;     ///< WebDataset key of the sample
  std::string tar;     ///< input shard, relative to the output shard's folder
  std::string member;  ///< image member in the tar
  int64_t width = 0, height = 0;
  std::string caption;
  std::vector<PhraseLabel> phrases;  ///< every phrase of the query, in caption order (boxes may be empty)

  int64_t num_boxes() const;
};

/**
 * Per phrase (label i+1 of `query`), the detections with score >= cfg.threshold (and, with cfg.phrase_margin,
 * at least that much over the best score another phrase gets on a box of IoU >= cfg.nms_iou), then the configured NMS
 * (per phrase, or across phrases so that a box names one phrase), best first, at most
 * cfg.max_boxes_per_phrase. Boxes stay in the official convention (x2, y2 the last pixel; glip/data/boxes.h),
 * clipped to [0, width - 1] x [0, height - 1] as the student's reader clips them. Labels outside 1..n are an error.
 */
std::vector<PhraseLabel> select_phrase_boxes(const Detections& dets, const text::Prompt& query, int64_t width,
                                             int64_t height, const PseudoConfig& cfg);

/** The record as one JSON line (no newline); numbers rounded (boxes 0.01 px, scores 1e-4) for stable bytes. */
std::string to_json_line(const PseudoRecord& record);

/** image_id of a WebDataset key: the number when the key is all digits (< 1e18), else a 63-bit FNV-1a hash. */
int64_t image_id_from_key(const std::string& key);

/** Substring of a UTF-8 string by code-point span [start, end). */
std::string substr_code_points(const std::string& utf8, int64_t start, int64_t end);

}  // namespace glip::pseudo
