/**
 * Counts and quality statistics of pseudo-labelling, per shard and summed: where every input sample went
 * (written, or skipped and why), boxes per image, the teacher's best score per phrase, the share of captions
 * with no box; and the progress line (images/s, ETA).
 */
#pragma once
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace glip::pseudo {

struct ShardStats {
  static constexpr int kBoxBins = 11;    ///< boxes per labelled image: 0..9, 10+
  static constexpr int kScoreBins = 10;  ///< best teacher score per phrase: [0, 0.1) .. [0.9, 1]

  int64_t samples = 0;           ///< samples (keys) in the input shard, with or without an image
  int64_t no_image = 0;          ///< skipped: a key (caption, json) without an image member
  int64_t empty_caption = 0;     ///< skipped: caption empty or blank
  int64_t bad_caption = 0;       ///< skipped: caption not valid UTF-8
  int64_t no_phrases = 0;        ///< skipped: no noun phrase in the caption
  int64_t corrupt_image = 0;     ///< skipped: image could not be decoded
  int64_t teacher_rejected = 0;  ///< skipped: the teacher refused the query (e.g. every phrase past max_query_len)
  int64_t unusable_image = 0;    ///< skipped: the teacher failed on this image alone (reason logged)
  int64_t labelled = 0;          ///< images the teacher labelled
  int64_t below_min_boxes = 0;   ///< labelled but fewer than pseudo.min_boxes boxes kept: not written
  int64_t written = 0;           ///< records in the output shard
  int64_t no_box = 0;            ///< labelled images with no box at all
  int64_t phrases = 0;           ///< phrases of labelled images
  int64_t phrases_with_box = 0;
  int64_t boxes = 0;                                                         ///< boxes in written records
  std::vector<int64_t> boxes_per_image = std::vector<int64_t>(kBoxBins, 0);  ///< over labelled images
  std::vector<int64_t> best_score = std::vector<int64_t>(kScoreBins, 0);     ///< over phrases of labelled images
  double seconds = 0;  ///< wall time of labelling (not part of equality)

  int64_t skipped() const {
    return no_image + empty_caption + bad_caption + no_phrases + corrupt_image + teacher_rejected + unusable_image +
           below_min_boxes;
  }
  /** Every sample is written or skipped once: samples == written + skipped(). */
  bool balanced() const { return samples == written + skipped(); }
  double no_box_share() const { return labelled ? static_cast<double>(no_box) / labelled : 0.0; }

  void add_labelled(int64_t kept_boxes, const std::vector<float>& best_score_per_phrase, int64_t phrases_with_boxes);
  ShardStats& operator+=(const ShardStats& o);
  /** Equal counts and histograms (seconds ignored). */
  bool same_counts(const ShardStats& o) const;

  nlohmann::ordered_json to_json() const;
  /** InputError naming `where` on a missing or mistyped field. */
  static ShardStats from_json(const nlohmann::json& j, const std::string& where);
};

/** A human-readable summary (counts, shares, histograms as text bars) of `s`, titled `title`. */
std::string format_report(const std::string& title, const ShardStats& s);

/** Progress of one rank: images done of a total, rate, ETA. */
class Progress {
 public:
  explicit Progress(int64_t total_images, int rank = 0, int world_size = 1);
  void add(int64_t images) { done_ += images; }
  /** "[pseudo] rank 0/2 shard 3/5 (web-000002): 1200/5000 images, 14.2 images/s, ETA 4m27s". */
  std::string line(int shard_index, int shards, const std::string& shard_name) const;
  double images_per_second() const;
  int64_t done() const { return done_; }

 private:
  int64_t total_, done_ = 0;
  int rank_, world_;
  std::chrono::steady_clock::time_point start_;
};

/** Seconds as "1h02m03s" / "4m27s" / "12s". */
std::string format_duration(double seconds);

}  // namespace glip::pseudo
