#include "glip/engine/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <regex>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/logging.h"
#include "glip/io/safetensors.h"

namespace glip::engine {
namespace fs = std::filesystem;

CheckpointManager::CheckpointManager(std::string work_dir, int64_t keep) : dir_(std::move(work_dir)), keep_(keep) {}

std::string CheckpointManager::path(const std::string& prefix, int64_t iteration, const std::string& ext) const {
  char num[32];
  std::snprintf(num, sizeof(num), "%07lld", static_cast<long long>(iteration));
  return (fs::path(dir_) / (prefix + "_" + num + ext)).string();
}

std::string CheckpointManager::model_path(int64_t iteration) const { return path("model", iteration, ".safetensors"); }

std::string CheckpointManager::final_path() const { return (fs::path(dir_) / "model_final.safetensors").string(); }

void CheckpointManager::save(const Checkpoint& c) const {
  fs::create_directories(dir_);
  auto meta = c.model_metadata;
  meta["iteration"] = std::to_string(c.iteration);
  io::save_safetensors(model_path(c.iteration), c.model, meta);
  io::save_safetensors(path("train", c.iteration, ".safetensors"), c.train_state);
  write_file_atomic(path("train", c.iteration, ".json"), c.record_json);
  write_file_atomic((fs::path(dir_) / "last_checkpoint").string(), std::to_string(c.iteration) + "\n");
  // Keep the newest `keep_` checkpoints (never the one last_checkpoint names).
  auto iters = list_iterations();
  std::sort(iters.begin(), iters.end());
  const int64_t n = static_cast<int64_t>(iters.size());
  for (int64_t i = 0; i + keep_ < n; ++i) {
    const int64_t old = iters[static_cast<size_t>(i)];
    if (old == c.iteration) continue;
    const std::string model_prefix = fs::path(path("model", old, ".")).filename().string();
    const std::string train_prefix = fs::path(path("train", old, ".")).filename().string();
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name.rfind(model_prefix, 0) == 0 || name.rfind(train_prefix, 0) == 0) {
        std::error_code ec;
        fs::remove(e.path(), ec);
      }
    }
  }
}

void CheckpointManager::save_rank_state(int64_t iteration, int rank,
                                        const std::map<std::string, at::Tensor>& state) const {
  fs::create_directories(dir_);
  io::save_safetensors(path("train", iteration, ".rank" + std::to_string(rank) + ".safetensors"), state);
}

std::map<std::string, at::Tensor> CheckpointManager::load_rank_state(int64_t iteration, int rank) const {
  const std::string p = path("train", iteration, ".rank" + std::to_string(rank) + ".safetensors");
  if (!fs::exists(p)) return {};
  return io::load_safetensors(p).tensors;
}

std::vector<int64_t> CheckpointManager::list_iterations() const {
  std::vector<int64_t> out;
  if (!fs::is_directory(dir_)) return out;
  static const std::regex re("model_([0-9]{7})\\.safetensors");
  for (const auto& e : fs::directory_iterator(dir_)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (std::regex_match(name, m, re)) out.push_back(std::stoll(m[1].str()));
  }
  return out;
}

std::optional<int64_t> CheckpointManager::latest_iteration() const {
  const fs::path p = fs::path(dir_) / "last_checkpoint";
  if (!fs::exists(p)) return std::nullopt;
  const std::string text = read_file(p.string());
  size_t used = 0;
  int64_t it = -1;
  try {
    it = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  GLIP_CHECK_INPUT(used > 0 && it >= 0, "checkpoint pointer '", p.string(), "' holds '", text,
                   "'; expected an iteration number");
  return it;
}

std::optional<Checkpoint> CheckpointManager::load_latest() const {
  const auto it = latest_iteration();
  if (!it) return std::nullopt;
  Checkpoint c;
  c.iteration = *it;
  c.model = io::load_safetensors(model_path(*it)).tensors;
  c.train_state = io::load_safetensors(path("train", *it, ".safetensors")).tensors;
  c.record_json = read_file(path("train", *it, ".json"));
  return c;
}

void CheckpointManager::save_final(const std::map<std::string, at::Tensor>& model,
                                   const std::map<std::string, std::string>& metadata) const {
  io::save_safetensors(final_path(), model, metadata);
}

void CheckpointManager::remove_stale_temp_files() const {
  if (!fs::is_directory(dir_)) return;
  for (const auto& e : fs::directory_iterator(dir_)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) {
      std::error_code ec;
      fs::remove(e.path(), ec);
    }
  }
}

std::map<std::string, at::Tensor> capture_rng_states() {
  std::map<std::string, at::Tensor> out;
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    out["rng.cpu"] = gen.get_state();
  }
  if (at::hasCUDA()) {
    const auto n = at::getNumGPUs();
    for (size_t i = 0; i < n; ++i) {
      auto gen = at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(i)));
      std::lock_guard<std::mutex> lock(gen.mutex());
      out["rng.cuda." + std::to_string(i)] = gen.get_state();
    }
  }
  return out;
}

void restore_rng_states(const std::map<std::string, at::Tensor>& states) {
  for (const auto& [name, state] : states) {
    if (name == "rng.cpu") {
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(state);
    } else if (name.rfind("rng.cuda.", 0) == 0 && at::hasCUDA()) {
      const auto idx = std::stoll(name.substr(9));
      if (idx >= static_cast<int64_t>(at::getNumGPUs())) continue;
      auto gen = at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(idx)));
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(state);
    }
  }
}

}  // namespace glip::engine
