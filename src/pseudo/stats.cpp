#include "glip/pseudo/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "glip/core/error.h"

namespace glip::pseudo {

void ShardStats::add_labelled(int64_t kept_boxes, const std::vector<float>& best_score_per_phrase,
                              int64_t phrases_with_boxes) {
  ++labelled;
  if (kept_boxes == 0) ++no_box;
  ++boxes_per_image[static_cast<size_t>(std::min<int64_t>(kept_boxes, kBoxBins - 1))];
  phrases += static_cast<int64_t>(best_score_per_phrase.size());
  phrases_with_box += phrases_with_boxes;
  for (float s : best_score_per_phrase) {
    int bin = static_cast<int>(std::floor(std::clamp(s, 0.f, 1.f) * kScoreBins));
    ++best_score[static_cast<size_t>(std::min(bin, kScoreBins - 1))];
  }
}

ShardStats& ShardStats::operator+=(const ShardStats& o) {
  samples += o.samples;
  no_image += o.no_image;
  empty_caption += o.empty_caption;
  bad_caption += o.bad_caption;
  no_phrases += o.no_phrases;
  corrupt_image += o.corrupt_image;
  teacher_rejected += o.teacher_rejected;
  unusable_image += o.unusable_image;
  labelled += o.labelled;
  below_min_boxes += o.below_min_boxes;
  written += o.written;
  no_box += o.no_box;
  phrases += o.phrases;
  phrases_with_box += o.phrases_with_box;
  boxes += o.boxes;
  for (int i = 0; i < kBoxBins; ++i) boxes_per_image[i] += o.boxes_per_image[i];
  for (int i = 0; i < kScoreBins; ++i) best_score[i] += o.best_score[i];
  seconds += o.seconds;
  return *this;
}

bool ShardStats::same_counts(const ShardStats& o) const {
  ShardStats a = *this, b = o;
  a.seconds = b.seconds = 0;
  return a.to_json() == b.to_json();
}

nlohmann::ordered_json ShardStats::to_json() const {
  nlohmann::ordered_json j;
  j["samples"] = samples;
  j["written"] = written;
  j["skipped"] = {{"no_image", no_image},
                  {"empty_caption", empty_caption},
                  {"bad_caption", bad_caption},
                  {"no_phrases", no_phrases},
                  {"corrupt_image", corrupt_image},
                  {"teacher_rejected", teacher_rejected},
                  {"unusable_image", unusable_image},
                  {"below_min_boxes", below_min_boxes}};
  j["labelled"] = labelled;
  j["no_box"] = no_box;
  j["phrases"] = phrases;
  j["phrases_with_box"] = phrases_with_box;
  j["boxes"] = boxes;
  j["boxes_per_image_hist"] = boxes_per_image;
  j["best_score_hist"] = best_score;
  j["seconds"] = seconds;
  return j;
}

namespace {
int64_t get_int(const nlohmann::json& j, const char* key, const std::string& where) {
  GLIP_CHECK_INPUT(j.is_object() && j.contains(key) && j[key].is_number_integer(), where, ": expected integer '", key,
                   "'");
  return j[key].get<int64_t>();
}
std::vector<int64_t> get_hist(const nlohmann::json& j, const char* key, size_t n, const std::string& where) {
  GLIP_CHECK_INPUT(j.contains(key) && j[key].is_array() && j[key].size() == n, where, ": expected '", key, "' with ", n,
                   " counts");
  return j[key].get<std::vector<int64_t>>();
}
}  // namespace

ShardStats ShardStats::from_json(const nlohmann::json& j, const std::string& where) {
  ShardStats s;
  s.samples = get_int(j, "samples", where);
  s.written = get_int(j, "written", where);
  GLIP_CHECK_INPUT(j.contains("skipped") && j["skipped"].is_object(), where, ": expected object 'skipped'");
  const auto& k = j["skipped"];
  // Records written before these two counts existed lack them: 0 (such shards counted neither case).
  s.no_image = k.contains("no_image") ? get_int(k, "no_image", where) : 0;
  s.unusable_image = k.contains("unusable_image") ? get_int(k, "unusable_image", where) : 0;
  s.empty_caption = get_int(k, "empty_caption", where);
  s.bad_caption = get_int(k, "bad_caption", where);
  s.no_phrases = get_int(k, "no_phrases", where);
  s.corrupt_image = get_int(k, "corrupt_image", where);
  s.teacher_rejected = get_int(k, "teacher_rejected", where);
  s.below_min_boxes = get_int(k, "below_min_boxes", where);
  s.labelled = get_int(j, "labelled", where);
  s.no_box = get_int(j, "no_box", where);
  s.phrases = get_int(j, "phrases", where);
  s.phrases_with_box = get_int(j, "phrases_with_box", where);
  s.boxes = get_int(j, "boxes", where);
  s.boxes_per_image = get_hist(j, "boxes_per_image_hist", kBoxBins, where);
  s.best_score = get_hist(j, "best_score_hist", kScoreBins, where);
  s.seconds = j.value("seconds", 0.0);
  return s;
}

namespace {
std::string pct(int64_t a, int64_t b) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << (b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0) << "%";
  return o.str();
}
std::string bar(int64_t v, int64_t max) {
  return std::string(max ? static_cast<size_t>(std::lround(30.0 * static_cast<double>(v) / max)) : 0, '#');
}
}  // namespace

std::string format_report(const std::string& title, const ShardStats& s) {
  std::ostringstream o;
  o << title << "\n";
  o << "  samples " << s.samples << ": written " << s.written << " (" << pct(s.written, s.samples) << "), skipped "
    << s.skipped() << " [no image " << s.no_image << ", empty caption " << s.empty_caption << ", bad caption "
    << s.bad_caption << ", no noun phrase " << s.no_phrases << ", corrupt image " << s.corrupt_image
    << ", teacher rejected " << s.teacher_rejected << ", unusable image " << s.unusable_image << ", below min boxes "
    << s.below_min_boxes << "]\n";
  o.setf(std::ios::fixed);
  o.precision(2);
  o << "  labelled " << s.labelled << " images, " << s.phrases << " phrases ("
    << (s.labelled ? static_cast<double>(s.phrases) / s.labelled : 0.0) << " per caption), phrases with a box "
    << pct(s.phrases_with_box, s.phrases) << ", captions with no box " << pct(s.no_box, s.labelled) << "\n";
  o << "  boxes written " << s.boxes << " (" << (s.written ? static_cast<double>(s.boxes) / s.written : 0.0)
    << " per written image)";
  if (s.seconds > 0) o << ", " << s.seconds << " s, " << s.samples / s.seconds << " images/s";
  o << "\n  boxes per labelled image:\n";
  int64_t mb = *std::max_element(s.boxes_per_image.begin(), s.boxes_per_image.end());
  for (int i = 0; i < ShardStats::kBoxBins; ++i)
    o << "    " << (i == ShardStats::kBoxBins - 1 ? "10+" : std::to_string(i)) << "\t" << s.boxes_per_image[i] << "\t"
      << bar(s.boxes_per_image[i], mb) << "\n";
  o << "  best teacher score per phrase:\n";
  int64_t ms = *std::max_element(s.best_score.begin(), s.best_score.end());
  o.precision(1);
  for (int i = 0; i < ShardStats::kScoreBins; ++i)
    o << "    [" << i / 10.0 << ", " << (i + 1) / 10.0 << (i == ShardStats::kScoreBins - 1 ? "]" : ")") << "\t"
      << s.best_score[i] << "\t" << bar(s.best_score[i], ms) << "\n";
  return o.str();
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto t = static_cast<int64_t>(std::llround(seconds));
  char buf[48];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", static_cast<long long>(t / 3600),
                  static_cast<long long>(t / 60 % 60), static_cast<long long>(t % 60));
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(t / 60), static_cast<long long>(t % 60));
  else std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(t));
  return buf;
}

Progress::Progress(int64_t total_images, int rank, int world_size)
    : total_(total_images), rank_(rank), world_(world_size), start_(std::chrono::steady_clock::now()) {}

double Progress::images_per_second() const {
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return s > 0 ? static_cast<double>(done_) / s : 0.0;
}

std::string Progress::line(int shard_index, int shards, const std::string& shard_name) const {
  const double rate = images_per_second();
  std::ostringstream o;
  o << "[pseudo] rank " << rank_ << "/" << world_ << " shard " << shard_index << "/" << shards << " (" << shard_name
    << "): " << done_ << "/" << total_ << " images, ";
  o.setf(std::ios::fixed);
  o.precision(1);
  o << rate << " images/s, ETA "
    << (rate > 0 ? format_duration(static_cast<double>(std::max<int64_t>(total_ - done_, 0)) / rate) : "?");
  return o.str();
}

}  // namespace glip::pseudo
