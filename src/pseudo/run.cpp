// run_pseudo_labelling: the rank's shards, resume, exactly-once output files, manifest and report.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/core/logging.h"
#include "glip/core/sha256.h"
#include "glip/core/strings.h"
#include "glip/data/readers.h"
#include "glip/io/image.h"
#include "glip/io/tar.h"
#include "glip/pseudo/labeler.h"

namespace glip::pseudo {
namespace fs = std::filesystem;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string output_stem(const std::string& input) {
  fs::path p(input);
  return p.extension() == ".tar" ? p.stem().string() : p.filename().string();
}

std::vector<std::string> plan_inputs(const std::vector<std::string>& inputs) {
  GLIP_CHECK_INPUT(!inputs.empty(), "no input shards given (--input SHARD.tar ...)");
  std::set<std::string> uniq(inputs.begin(), inputs.end());
  std::vector<std::string> plan(uniq.begin(), uniq.end());
  std::set<std::string> stems;
  for (const auto& p : plan) {
    GLIP_CHECK_INPUT(fs::is_regular_file(p), "input shard '", p, "' does not exist or is not a file");
    GLIP_CHECK_INPUT(stems.insert(output_stem(p)).second, "input shard '", p, "': another input has the same file ",
                     "name, and output shards are named after it (", output_stem(p), ".jsonl)");
  }
  return plan;
}

std::vector<size_t> shards_of_rank(size_t num_shards, int rank, int world_size) {
  GLIP_CHECK_INPUT(world_size >= 1 && rank >= 0 && rank < world_size, "rank ", rank, " is not in [0, ", world_size,
                   ")");
  std::vector<size_t> mine;
  for (size_t i = static_cast<size_t>(rank); i < num_shards; i += static_cast<size_t>(world_size)) mine.push_back(i);
  return mine;
}

namespace {

std::string ref_from(const std::string& out_dir, const std::string& input) {
  return fs::absolute(input).lexically_normal().lexically_relative(fs::absolute(out_dir).lexically_normal()).string();
}

/** Removes temp files that a killed run of these shards left (only this rank's shards: others may be writing). */
void remove_stale_temps(const std::string& out_dir, const std::vector<std::string>& prefixes) {
  for (const auto& e : fs::directory_iterator(out_dir)) {
    const std::string name = e.path().filename().string();
    for (const auto& p : prefixes)
      if (name.rfind(p + ".tmp.", 0) == 0) fs::remove(e.path());
  }
}

/** The finished-shard record of `stem`, if any; InputError when it belongs to another teacher or config. */
std::optional<json> finished_record(const std::string& out_dir, const std::string& stem, const LabelRunOptions& o) {
  const std::string done = (fs::path(out_dir) / (stem + ".done.json")).string();
  if (!fs::exists(done)) return std::nullopt;
  const json j = parse_json_input(read_file(done), "'" + done + "' (delete it to relabel the shard)");
  std::string teacher, config, output, output_sha256;
  try {
    teacher = j.value("teacher_sha256", "");
    config = j.value("config_hash", "");
    output = j.value("output", "");
    output_sha256 = j.value("output_sha256", "");
  } catch (const json::exception& e) {
    throw InputError(str_cat("'", done, "': malformed record, expected an object of strings (", e.what(),
                             "); delete it to relabel the shard"));
  }
  GLIP_CHECK_INPUT(teacher == o.teacher_sha256 && config == o.config_hash, "'", done,
                   "' was labelled by teacher sha256 ", teacher, " with config hash ", config,
                   ", but this run uses teacher sha256 ", o.teacher_sha256, " and config hash ", o.config_hash,
                   ": use a new --out folder, or delete the old one");
  const std::string out = (fs::path(out_dir) / output).string();
  if (!fs::exists(out) || sha256_file(out) != output_sha256) {
    GLIP_LOG_WARN("[pseudo] '{}' does not match its record '{}'; labelling the shard again", out, done);
    return std::nullopt;
  }
  return j;
}

int64_t count_images(const std::string& tar) {
  std::set<std::string> keys;
  std::string key, ext;
  for (const auto& m : io::list_tar(tar))
    if (data::webdataset_key(m.name, key, ext) && io::is_image_extension(ext)) keys.insert(key);
  return static_cast<int64_t>(keys.size());
}

/** An exclusive lock on a file, held while the object lives. */
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT, 0644)) {
    GLIP_CHECK(fd_ >= 0, "cannot open lock file '", path, "'");
    GLIP_CHECK(::flock(fd_, LOCK_EX) == 0, "cannot lock '", path, "'");
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

/** manifest.json + report.txt over every finished shard of the job; returns (complete, report). */
std::pair<bool, std::string> write_manifest(const LabelRunOptions& o, const std::vector<std::string>& plan) {
  FileLock lock((fs::path(o.out_dir) / ".manifest.lock").string());
  remove_stale_temps(o.out_dir, {"manifest.json", "report.txt"});
  ojson shards = ojson::array(), missing = ojson::array();
  ShardStats totals;
  for (const auto& input : plan) {
    const std::string stem = output_stem(input);
    auto rec = finished_record(o.out_dir, stem, o);
    if (!rec) {
      missing.push_back(ref_from(o.out_dir, input));
      continue;
    }
    totals += ShardStats::from_json((*rec)["stats"], stem + ".done.json");
    shards.push_back(ojson::parse(json_dump(*rec)));
  }
  ojson m;
  m["format"] = "glip-pseudo-labels/1";
  m["teacher"] = {{"checkpoint", o.teacher_path}, {"sha256", o.teacher_sha256}};
  m["config_hash"] = o.config_hash;
  m["pseudo"] = {{"threshold", o.cfg.threshold},
                 {"nms", o.cfg.nms},
                 {"nms_iou", o.cfg.nms_iou},
                 {"max_boxes_per_phrase", o.cfg.max_boxes_per_phrase},
                 {"phrase_margin", o.cfg.phrase_margin},
                 {"min_boxes", o.cfg.min_boxes}};
  m["complete"] = missing.empty();
  m["shards_total"] = plan.size();
  m["shards_finished"] = shards.size();
  m["missing"] = missing;
  m["totals"] = totals.to_json();
  m["shards"] = shards;
  write_file_atomic((fs::path(o.out_dir) / "manifest.json").string(), m.dump(1) + "\n");
  std::string report = format_report(
      str_cat("pseudo-labels in ", o.out_dir, ": ", shards.size(), "/", plan.size(), " shards finished",
              missing.empty() ? "" : " (INCOMPLETE)", ", teacher ", o.teacher_path, ", threshold ", o.cfg.threshold),
      totals);
  write_file_atomic((fs::path(o.out_dir) / "report.txt").string(), report);
  return {missing.empty(), report};
}

}  // namespace

LabelRunResult run_pseudo_labelling(const LabelRunOptions& o, const Teacher& teacher,
                                    const text::NounPhraseExtractor& extractor) {
  validate(o.cfg);
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<std::string> plan = plan_inputs(o.inputs);
  fs::create_directories(o.out_dir);
  const std::vector<size_t> mine = shards_of_rank(plan.size(), o.rank, o.world_size);
  std::vector<std::string> prefixes;
  for (size_t i : mine) {
    prefixes.push_back(output_stem(plan[i]) + ".jsonl");
    prefixes.push_back(output_stem(plan[i]) + ".done.json");
  }
  remove_stale_temps(o.out_dir, prefixes);

  LabelRunResult result;
  std::vector<size_t> todo;
  int64_t total_images = 0;
  for (size_t i : mine) {
    ShardOutcome so;
    so.input = plan[i];
    so.output = (fs::path(o.out_dir) / (output_stem(plan[i]) + ".jsonl")).string();
    if (auto rec = finished_record(o.out_dir, output_stem(plan[i]), o)) {
      GLIP_CHECK_INPUT(rec->value("input_bytes", int64_t{-1}) == static_cast<int64_t>(fs::file_size(plan[i])),
                       "input shard '", plan[i], "' changed size since it was labelled into '", so.output,
                       "': use a new --out folder");
      so.state = ShardOutcome::kResumed;
      so.stats = ShardStats::from_json((*rec)["stats"], so.output);
      ++result.resumed;
    } else {
      todo.push_back(result.shards.size());
      try {
        total_images += count_images(plan[i]);
      } catch (const InputError&) {
        // reported when the shard is labelled
      }
    }
    result.shards.push_back(std::move(so));
  }
  GLIP_LOG_INFO("[pseudo] rank {}/{}: {} of {} shards are this rank's, {} finished before, {} to label ({} images)",
                o.rank, o.world_size, mine.size(), plan.size(), result.resumed, todo.size(), total_images);

  Progress progress(total_images, o.rank, o.world_size);
  auto last_line = std::chrono::steady_clock::now();
  int index = 0;
  for (size_t k : todo) {
    ShardOutcome& so = result.shards[k];
    ++index;
    const std::string stem = output_stem(so.input);
    auto on_samples = [&](int64_t n) {
      progress.add(n);
      const auto now = std::chrono::steady_clock::now();
      if (std::chrono::duration<double>(now - last_line).count() >= o.cfg.progress_interval_s) {
        GLIP_LOG_INFO("{}", progress.line(index, static_cast<int>(todo.size()), stem));
        last_line = now;
      }
    };
    try {
      const auto s0 = std::chrono::steady_clock::now();
      const std::string input_sha = sha256_file(so.input);
      ShardLabels labels = label_shard(so.input, ref_from(o.out_dir, so.input), teacher, extractor, o.cfg, on_samples);
      labels.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
      write_file_atomic(so.output, labels.jsonl);
      ojson done;
      done["input"] = ref_from(o.out_dir, so.input);
      done["input_sha256"] = input_sha;
      done["input_bytes"] = static_cast<int64_t>(fs::file_size(so.input));
      done["output"] = stem + ".jsonl";
      done["output_sha256"] = sha256_hex(labels.jsonl);
      done["teacher_sha256"] = o.teacher_sha256;
      done["config_hash"] = o.config_hash;
      done["stats"] = labels.stats.to_json();
      write_file_atomic((fs::path(o.out_dir) / (stem + ".done.json")).string(), done.dump(1) + "\n");
      so.stats = labels.stats;
      so.state = ShardOutcome::kLabelled;
      ++result.labelled;
      GLIP_LOG_INFO("{} -- {} done: {} written, {} skipped, {} boxes",
                    progress.line(index, static_cast<int>(todo.size()), stem), stem, labels.stats.written,
                    labels.stats.skipped(), labels.stats.boxes);
    } catch (const InputError& e) {
      so.state = ShardOutcome::kFailed;
      so.error = e.what();
      ++result.failed;
      GLIP_LOG_ERROR("[pseudo] shard '{}' failed: {}", so.input, e.what());
    }
  }
  for (const auto& so : result.shards)
    if (so.state != ShardOutcome::kFailed) result.totals += so.stats;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.images_per_second = progress.images_per_second();
  std::tie(result.complete, result.report) = write_manifest(o, plan);
  return result;
}

}  // namespace glip::pseudo
