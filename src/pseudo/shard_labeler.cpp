// label_shard: one WebDataset shard through the teacher, in batches, into pseudo-label records.
#include <algorithm>

#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/data/readers.h"
#include "glip/data/transforms.h"
#include "glip/pseudo/labeler.h"
#include "glip/pseudo/labels.h"

namespace glip::pseudo {
namespace {

struct Pending {
  const data::Record* record;
  std::string key;
  text::Prompt query;
  at::Tensor image;
};

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string::npos; }

/** Best teacher score per phrase (label 1..n), before the threshold; 0 when the teacher gave none. */
std::vector<float> best_scores(const Detections& d, size_t n) {
  std::vector<float> best(n, 0.f);
  if (!d.scores.defined() || d.scores.numel() == 0) return best;
  at::Tensor s = d.scores.detach().to(at::kCPU, at::kFloat).contiguous().view({-1});
  at::Tensor l = d.labels.detach().to(at::kCPU, at::kLong).contiguous().view({-1});
  const float* sp = s.data_ptr<float>();
  const int64_t* lp = l.data_ptr<int64_t>();
  for (int64_t i = 0; i < s.numel(); ++i)
    if (lp[i] >= 1 && static_cast<size_t>(lp[i]) <= n) best[lp[i] - 1] = std::max(best[lp[i] - 1], sp[i]);
  return best;
}

class ShardJob {
 public:
  ShardJob(const std::string& tar_ref, const Teacher& teacher, const PseudoConfig& cfg)
      : tar_ref_(tar_ref), teacher_(teacher), cfg_(cfg) {}

  void add(Pending p) {
    pending_.push_back(std::move(p));
    if (static_cast<int64_t>(pending_.size()) >= cfg_.batch_size) flush();
  }

  void flush() {
    if (pending_.empty()) return;
    std::vector<at::Tensor> images;
    std::vector<text::Prompt> queries;
    for (const auto& p : pending_) {
      images.push_back(p.image);
      queries.push_back(p.query);
    }
    std::vector<Detections> dets;
    bool batch_ok = true;
    try {
      dets = teacher_(images, queries);
    } catch (const std::exception&) {
      batch_ok = false;  // find the offending query or image: one image at a time
    }
    if (batch_ok)
      GLIP_CHECK(dets.size() == pending_.size(), "the teacher returned ", dets.size(), " results for ", pending_.size(),
                 " images");
    for (size_t i = 0; i < pending_.size(); ++i) {
      const Pending& p = pending_[i];
      Detections d;
      if (batch_ok) {
        d = dets[i];
      } else {
        try {
          auto one = teacher_({p.image}, {p.query});
          GLIP_CHECK(one.size() == 1, "the teacher returned ", one.size(), " results for 1 image");
          d = one[0];
        } catch (const InputError& e) {
          GLIP_LOG_WARN("[pseudo] {}: the teacher refused the caption: {}", p.record->origin, e.what());
          ++stats.teacher_rejected;
          continue;
        } catch (const std::exception& e) {
          unusable(p, e.what());
          continue;
        }
      }
      emit(p, d);
    }
    pending_.clear();
  }

  ShardStats stats;
  std::string jsonl;

 private:
  /**
   * The teacher failed on this image alone (not an InputError): skipped and counted. A few such images are
   * data (an image the model cannot take); many are a broken teacher, which stops the run instead of skipping
   * everything: more than kMaxUnusable and more than 1% of the samples seen.
   */
  void unusable(const Pending& p, const std::string& why) {
    ++stats.unusable_image;
    GLIP_LOG_WARN("[pseudo] {}: skipping the image ({}x{}): the teacher failed on it: {}", p.record->origin,
                  p.image.size(1), p.image.size(0), why);
    constexpr int64_t kMaxUnusable = 2;
    if (stats.unusable_image > kMaxUnusable && stats.unusable_image * 100 > stats.samples)
      throw Error(str_cat("[pseudo] ", tar_ref_, ": the teacher failed on ", stats.unusable_image, " of ",
                          stats.samples, " images, more than a bad image or two explains; last (", p.record->origin,
                          "): ", why));
  }

  void emit(const Pending& p, const Detections& d) {
    PseudoRecord r;
    r.image_id = image_id_from_key(p.key);
    r.key = p.key;
    r.tar = tar_ref_;
    r.member = p.record->image.member;
    r.height = p.image.size(0);
    r.width = p.image.size(1);
    r.caption = p.record->caption;
    r.phrases = select_phrase_boxes(d, p.query, r.width, r.height, cfg_);
    int64_t with_box = 0;
    for (const auto& ph : r.phrases) with_box += ph.boxes.empty() ? 0 : 1;
    const int64_t kept = r.num_boxes();
    stats.add_labelled(kept, best_scores(d, p.query.spans.size()), with_box);
    if (kept < cfg_.min_boxes) {
      ++stats.below_min_boxes;
      return;
    }
    ++stats.written;
    stats.boxes += kept;
    jsonl += to_json_line(r);
    jsonl += '\n';
  }

  std::string tar_ref_;
  const Teacher& teacher_;
  const PseudoConfig& cfg_;
  std::vector<Pending> pending_;
};

}  // namespace

ShardLabels label_shard(const std::string& tar_path, const std::string& tar_ref, const Teacher& teacher,
                        const text::NounPhraseExtractor& extractor, const PseudoConfig& cfg,
                        const std::function<void(int64_t)>& on_samples) {
  validate(cfg);
  const data::RecordSet set = data::read_webdataset({tar_path});
  ShardJob job(tar_ref, teacher, cfg);
  // Keys without an image (a caption alone) are samples of the shard too: skipped and counted, not lost.
  job.stats.samples += set.keys_without_image;
  job.stats.no_image += set.keys_without_image;
  int64_t since_report = 0;
  for (const data::Record& r : set.records) {
    ++job.stats.samples;
    ++since_report;
    const std::string key = r.origin.substr(tar_path.size() + 1);  // origin is "path#key"
    if (blank(r.caption)) {
      ++job.stats.empty_caption;
      continue;
    }
    text::Prompt query;
    try {
      query = caption_query(r.caption, extractor);
    } catch (const InputError& e) {
      GLIP_LOG_WARN("[pseudo] {}: skipping the caption: {}", r.origin, e.what());
      ++job.stats.bad_caption;
      continue;
    }
    if (query.spans.empty()) {
      ++job.stats.no_phrases;
      continue;
    }
    at::Tensor image;
    try {
      image = data::decode_image(r.image);
    } catch (const std::exception& e) {  // InputError, or a codec's own exception on a malformed file
      GLIP_LOG_WARN("[pseudo] {}: skipping the image: {}", r.origin, e.what());
      ++job.stats.corrupt_image;
      continue;
    }
    job.add({&r, key, std::move(query), std::move(image)});
    if (on_samples && since_report >= cfg.batch_size) {
      on_samples(since_report);
      since_report = 0;
    }
  }
  job.flush();
  if (on_samples && since_report > 0) on_samples(since_report);
  GLIP_CHECK(job.stats.balanced(), "internal: shard '", tar_path, "' counts do not add up");
  return {std::move(job.jsonl), job.stats};
}

}  // namespace glip::pseudo
