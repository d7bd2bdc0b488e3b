/**
 * The in-memory form every dataset reader produces: one record per image (detection) or per image-caption
 * pair (grounding). Boxes are xyxy in pixels of the original image in the official convention (x2, y2 the last
 * pixel covered: a COCO [x, y, w, h] is [x, y, x + w - 1, y + h - 1]; glip/data/boxes.h); spans are [start, end)
 * in Unicode code points of the caption.
 */
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace glip::data {

using Span = std::array<int64_t, 2>;

/** One ground-truth (or pseudo-label) box. */
struct BoxAnnotation {
  std::array<float, 4> xyxy{};  ///< original-image pixels, x2 = x + w - 1 (glip/data/boxes.h)
  int64_t category_id = 0;      ///< detection datasets: the category; grounding: 0
  std::vector<Span> spans;      ///< grounding: the caption spans this box grounds
  float score = 1.f;            ///< pseudo labels: the teacher's confidence
};

/** Where the image bytes come from: a file, or a member of a tar shard. */
struct ImageSource {
  std::string path;    ///< image file, or the tar shard when `member` is set
  std::string member;  ///< member name inside the tar shard (WebDataset), empty for plain files
  /**
   * Where the member's bytes lie in the shard, filled by the reader that listed it: decoding then reads
   * them directly instead of listing the shard again. offset 0 (no member's data starts at byte 0): unknown,
   * the shard is searched for `member`.
   */
  uint64_t offset = 0;
  uint64_t size = 0;
};

/** One training/evaluation sample before decoding and transforms. */
struct Record {
  int64_t image_id = 0;
  ImageSource image;
  int64_t width = 0, height = 0;  ///< 0 when unknown until decoding
  std::string caption;            ///< grounding caption; empty for detection records (prompt built per sample)
  std::vector<BoxAnnotation> boxes;
  /**
   * Caption spans that carry no target: their tokens are left out of the token loss, neither positive nor negative
   * for any anchor (pseudo labels: phrases the teacher gave no box, with data.pseudo_unboxed = ignore).
   */
  std::vector<Span> ignored_spans;
  std::string origin;  ///< "file:line" or "file#image_id", for messages about this record
};

/** Category of a detection dataset. */
struct Category {
  int64_t id = 0;
  std::string name;
};

/** A dataset read into memory: records plus, for detection datasets, the category list. */
struct RecordSet {
  std::string name;           ///< dataset name (from config), used in logs and statistics
  bool is_detection = false;  ///< true: captions are built from `categories` per sample
  std::vector<Category> categories;
  /** data.caption_prompt: category id -> (prefix, suffix) written around its name in training prompts. */
  std::map<int64_t, std::pair<std::string, std::string>> prompt_affixes;
  /** Training: captions of this set are packed with other captions of it as negatives (data.pack_captions). */
  bool pack_captions = false;
  /** data.train[].disable_shuffle: training prompts are the evaluation prompt (every class, id order). */
  bool disable_shuffle = false;
  std::vector<Record> records;
  /** WebDataset: keys (caption or other members) without an image, not among `records`; one example. */
  int64_t keys_without_image = 0;
  std::string key_without_image_example;
};

}  // namespace glip::data
