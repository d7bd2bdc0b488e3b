/** Loading Hugging Face BERT checkpoints (bert-base-uncased `model.safetensors` / `pytorch_model.bin`). */
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "glip/modeling/language/bert.h"

namespace glip::modeling {

/**
 * Maps HF BERT checkpoint keys onto BertModel names: drops a leading `bert.`, renames the legacy LayerNorm
 * `gamma`/`beta` to `weight`/`bias`, and discards the `cls.*` and `pooler.*` heads (GLIP has no pooler).
 */
std::map<std::string, at::Tensor> hf_bert_to_model_keys(const std::map<std::string, at::Tensor>& tensors);

/**
 * Loads HF BERT weights from `path` (`.safetensors`, otherwise a torch.save file such as pytorch_model.bin)
 * into `model`. A missing `embeddings.position_ids` (newer HF files do not store it) keeps its arange default.
 * Every missing, unexpected or wrong-shape key is listed in one glip::InputError naming the file.
 */
void load_hf_bert(BertModelImpl& model, const std::string& path);

}  // namespace glip::modeling
