#include "glip/modeling/language/hf_bert.h"

#include "glip/core/error.h"
#include "glip/core/strings.h"
#include "glip/io/safetensors.h"
#include "glip/io/state_dict.h"
#include "glip/io/torch_pickle.h"

namespace glip::modeling {

std::map<std::string, at::Tensor> hf_bert_to_model_keys(const std::map<std::string, at::Tensor>& tensors) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [key, t] : tensors) {
    std::string k = key;
    if (starts_with(k, "bert.")) k = k.substr(5);
    if (starts_with(k, "cls.") || starts_with(k, "pooler.")) continue;
    if (ends_with(k, "LayerNorm.gamma")) k = k.substr(0, k.size() - 5) + "weight";
    if (ends_with(k, "LayerNorm.beta")) k = k.substr(0, k.size() - 4) + "bias";
    out[k] = t;
  }
  return out;
}

void load_hf_bert(BertModelImpl& model, const std::string& path) {
  const bool st = ends_with(path, ".safetensors");
  auto tensors =
      hf_bert_to_model_keys(st ? io::load_safetensors(path).tensors : io::load_torch_tensors(path, "").tensors);
  if (!tensors.count("embeddings.position_ids")) {
    tensors["embeddings.position_ids"] = model.embeddings->position_ids.clone();
  }
  io::LoadOptions lo;
  lo.source = "HF BERT checkpoint '" + path + "'";
  io::load_state_dict(model, tensors, lo);
}

}  // namespace glip::modeling
