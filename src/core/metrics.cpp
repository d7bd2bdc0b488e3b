#include "glip/core/metrics.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "glip/core/error.h"

namespace glip {

MetricsRecord& MetricsRecord::add(const std::string& key, double v) {
  fields_.emplace_back(key, v);
  return *this;
}
MetricsRecord& MetricsRecord::add(const std::string& key, int64_t v) {
  fields_.emplace_back(key, v);
  return *this;
}
MetricsRecord& MetricsRecord::add(const std::string& key, bool v) {
  fields_.emplace_back(key, v);
  return *this;
}
MetricsRecord& MetricsRecord::add(const std::string& key, const std::string& v) {
  fields_.emplace_back(key, v);
  return *this;
}

std::string MetricsRecord::to_json() const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& field : fields_) {
    const auto& key = field.first;  // not a structured binding: the lambda below captures it (C++20 only)
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, double>) {
            if (std::isfinite(v)) j[key] = v;
            else j[key] = nullptr;
          } else {
            j[key] = v;
          }
        },
        field.second);
  }
  return j.dump();
}

MetricsWriter::MetricsWriter(const std::string& path, bool enabled) : path_(path) {
  if (!enabled) return;
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  GLIP_CHECK(fd_ >= 0, "cannot open metrics file '", path, "': ", std::strerror(errno));
}

MetricsWriter::~MetricsWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void MetricsWriter::write(const MetricsRecord& record) {
  if (fd_ < 0) return;
  MetricsRecord r = record;
  bool has_time = false;
  for (const auto& f : record.fields()) has_time = has_time || f.first == "time";
  if (!has_time) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    r.add("time", std::chrono::duration<double>(now).count());
  }
  const std::string line = r.to_json() + "\n";
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    GLIP_CHECK(n >= 0, "cannot write metrics file '", path_, "': ", std::strerror(errno));
    off += static_cast<size_t>(n);
  }
}

}  // namespace glip
