/**
 * JSON-lines metrics: one JSON object per line, appended and flushed per record, e.g.
 *   {"iter": 20, "loss": 1.25, "lr": 0.01, "phase": "train", "time": 1764220000.12}
 * Only rank 0 writes by default (construct with enabled=false on other ranks).
 *
 *   glip::MetricsWriter metrics(work_dir + "/metrics.jsonl");
 *   metrics.write(glip::MetricsRecord().add("iter", it).add("loss", loss).add("phase", "train"));
 */
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace glip {

/** One line of metrics: named numbers and strings, in insertion order. */
class MetricsRecord {
 public:
  using Value = std::variant<int64_t, double, std::string, bool>;
  MetricsRecord& add(const std::string& key, double v);
  MetricsRecord& add(const std::string& key, float v) { return add(key, static_cast<double>(v)); }
  MetricsRecord& add(const std::string& key, int64_t v);
  MetricsRecord& add(const std::string& key, int v) { return add(key, static_cast<int64_t>(v)); }
  MetricsRecord& add(const std::string& key, bool v);
  MetricsRecord& add(const std::string& key, const std::string& v);
  MetricsRecord& add(const std::string& key, const char* v) { return add(key, std::string(v)); }
  const std::vector<std::pair<std::string, Value>>& fields() const { return fields_; }
  /** The record as one line of JSON (no newline); NaN and infinities are written as null. */
  std::string to_json() const;

 private:
  std::vector<std::pair<std::string, Value>> fields_;
};

/** Appends records to a .jsonl file; each write() is one write(2) of a whole line, then flushed. */
class MetricsWriter {
 public:
  /** Opens (creating folders) `path` for appending; throws glip::Error naming it when that fails. */
  explicit MetricsWriter(const std::string& path, bool enabled = true);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  /** Writes the record plus a "time" field (seconds since the epoch) unless it has one. */
  void write(const MetricsRecord& record);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace glip
