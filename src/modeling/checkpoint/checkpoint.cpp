#include "glip/modeling/checkpoint.h"

#include <nlohmann/json.hpp>

#include "glip/core/error.h"
#include "glip/core/json.h"
#include "glip/core/logging.h"
#include "glip/core/strings.h"
#include "glip/io/safetensors.h"
#include "glip/io/state_dict.h"
#include "glip/io/torch_pickle.h"

namespace glip::modeling {

namespace {
constexpr const char* kRecordKey = "glip.record";

/** Entries the model owns but the loader should keep as built (the ignored anchor buffers). */
void keep_own_ignored(const torch::nn::Module& model, std::map<std::string, at::Tensor>& tensors) {
  for (const auto& b : model.named_buffers(true)) {
    if (is_ignored_official_key(b.key())) tensors[b.key()] = b.value();
  }
}
}  // namespace

bool is_ignored_official_key(const std::string& key) {
  return starts_with(key, "rpn.anchor_generator.cell_anchors.") || starts_with(key, "rpn.resizer.") ||
         key.find("pooler") != std::string::npos;
}

std::map<std::string, at::Tensor> read_official_checkpoint(const std::string& path) {
  auto tensors = io::strip_module_prefix(io::load_torch_tensors(path, "model").tensors);
  for (auto it = tensors.begin(); it != tensors.end();) {
    it = is_ignored_official_key(it->first) ? tensors.erase(it) : std::next(it);
  }
  return tensors;
}

void load_official_checkpoint(torch::nn::Module& model, const std::string& path, bool strict) {
  auto tensors = read_official_checkpoint(path);
  keep_own_ignored(model, tensors);
  io::LoadOptions lo;
  lo.strict = strict;
  lo.source = "official checkpoint '" + path + "'";
  auto report = io::load_state_dict(model, tensors, lo);
  if (!report.ok()) GLIP_LOG_WARN("[checkpoint] {}: {}", path, report.describe());
  GLIP_LOG_INFO("[checkpoint] loaded {} tensors from {}", report.loaded.size(), path);
}

std::map<std::string, std::string> checkpoint_metadata(const CheckpointRecord& record) {
  nlohmann::json j;
  j["format"] = "glip-checkpoint-v1";
  j["config_yaml"] = record.config_yaml;
  j["build_info"] = record.build_info;
  j["training_state"] = record.training_state;
  return {{"format", "pt"}, {kRecordKey, j.dump()}};
}

void save_checkpoint(const std::string& path, const torch::nn::Module& model, const CheckpointRecord& record) {
  std::map<std::string, at::Tensor> tensors;
  for (const auto& p : model.named_parameters(true)) tensors[p.key()] = p.value().detach();
  for (const auto& b : model.named_buffers(true)) tensors[b.key()] = b.value().detach();
  io::save_safetensors(path, tensors, checkpoint_metadata(record));
}

namespace {
CheckpointRecord parse_record(const io::TensorFile& file, const std::string& path) {
  auto it = file.metadata.find(kRecordKey);
  GLIP_CHECK_INPUT(it != file.metadata.end(), "checkpoint '", path, "': no '", kRecordKey,
                   "' metadata; not a glip checkpoint (official .pth files load with load_official_checkpoint)");
  const nlohmann::json j =
      parse_json_input(it->second, str_cat("checkpoint '", path, "': the '", kRecordKey, "' record"));
  GLIP_CHECK_INPUT(j.is_object() && j.value("format", "") == "glip-checkpoint-v1", "checkpoint '", path,
                   "': record format must be 'glip-checkpoint-v1'");
  CheckpointRecord r;
  try {
    r.config_yaml = j.value("config_yaml", "");
    r.build_info = j.value("build_info", std::map<std::string, std::string>{});
    r.training_state = j.value("training_state", std::map<std::string, std::string>{});
  } catch (const std::exception& e) {
    throw InputError(str_cat("checkpoint '", path, "': malformed record: ", e.what()));
  }
  return r;
}
}  // namespace

CheckpointRecord read_checkpoint_record(const std::string& path) {
  return parse_record(io::load_safetensors(path), path);
}

CheckpointRecord load_checkpoint(torch::nn::Module& model, const std::string& path) {
  auto file = io::load_safetensors(path);
  auto record = parse_record(file, path);
  io::LoadOptions lo;
  lo.source = "checkpoint '" + path + "'";
  io::load_state_dict(model, file.tensors, lo);
  return record;
}

}  // namespace glip::modeling
