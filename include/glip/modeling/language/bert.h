/**
 * BERT (HF BertModel without the pooler) and the fusion tower's BertEncoderLayer. Submodule and parameter
 * names follow HF transformers exactly (embeddings.word_embeddings, encoder.layer.N.attention.self.query, ...),
 * so official GLIP checkpoints (`language_backbone.body.model.*`, `rpn.head.dyhead_tower.K.*`) load by name.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "glip/modeling/linear.h"

namespace glip::modeling {

/** BERT sizes. Defaults are bert-base-uncased. */
struct BertOptions {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_layers = 12;
  int64_t num_heads = 12;
  int64_t intermediate_size = 3072;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  double hidden_dropout = 0.1;
  double attention_dropout = 0.1;
  /**
   * Std of the random word-embedding init. HF (initializer_range) draws every embedding from N(0, 0.02); a BERT
   * trained from scratch with that init maps different words to nearly the same features (docs/training.md).
   */
  double word_embedding_init_std = 0.02;
  /** Throws InputError when the sizes are inconsistent (hidden % heads, non-positive sizes). */
  void validate() const;
};

/** Per-layer behaviour: HF BERT layers have no clamps; GLIP's tower layer (rpn/modeling_bert.py) has them. */
struct BertLayerOptions {
  BertOptions bert;
  bool clamp_attention_min = false;  ///< clamp attention scores at -50000 (before the mask is added)
  bool clamp_attention_max = false;  ///< clamp attention scores at +50000
  bool clamp_ffn = false;            ///< clamp FFN outputs to +-50000 (GLIP's BertIntermediate/BertOutput)
};

/** (1 - mask) * -10000 as [B, 1, 1, T], in the dtype of `like`. */
at::Tensor extended_attention_mask(const at::Tensor& mask, const at::Tensor& like);

class BertEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit BertEmbeddingsImpl(const BertOptions& o);
  /** input_ids, token_type_ids: [B, T] int64 (token_type_ids may be undefined = zeros). */
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids);

  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  torch::nn::Dropout dropout{nullptr};
  at::Tensor position_ids;  ///< persistent buffer [1, max_position_embeddings] int64
};
TORCH_MODULE(BertEmbeddings);

class BertSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit BertSelfAttentionImpl(const BertLayerOptions& o);
  /** hidden [B, T, C], ext_mask [B, 1, 1, T] additive. */
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& ext_mask);

  modeling::Linear query{nullptr}, key{nullptr}, value{nullptr};
  torch::nn::Dropout dropout{nullptr};

 private:
  int64_t heads_, head_dim_;
  bool clamp_min_, clamp_max_;
};
TORCH_MODULE(BertSelfAttention);

/** dense + dropout + LayerNorm(x + residual); used as BertSelfOutput and BertOutput. */
class BertResidualOutputImpl : public torch::nn::Module {
 public:
  BertResidualOutputImpl(int64_t in, int64_t out, double eps, double dropout, bool clamp);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& residual);

  modeling::Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  torch::nn::Dropout dropout{nullptr};

 private:
  bool clamp_;
};
TORCH_MODULE(BertResidualOutput);

class BertAttentionImpl : public torch::nn::Module {
 public:
  explicit BertAttentionImpl(const BertLayerOptions& o);
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& ext_mask);

  BertSelfAttention self{nullptr};
  BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertAttention);

class BertIntermediateImpl : public torch::nn::Module {
 public:
  BertIntermediateImpl(const BertOptions& o, bool clamp);
  at::Tensor forward(const at::Tensor& x);

  modeling::Linear dense{nullptr};

 private:
  bool clamp_;
};
TORCH_MODULE(BertIntermediate);

/**
 * One transformer layer (attention, intermediate, output). With the clamps on it is GLIP's tower
 * BertEncoderLayer (keys `rpn.head.dyhead_tower.{3i+1}.*`).
 */
class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const BertLayerOptions& o);
  /** hidden [B, T, C]; mask [B, T] (1 real, 0 padding), turned into (1-mask)*-10000. */
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& mask);
  /** Same with a precomputed additive mask [B, 1, 1, T]. */
  at::Tensor forward_extended(const at::Tensor& hidden, const at::Tensor& ext_mask);

  BertAttention attention{nullptr};
  BertIntermediate intermediate{nullptr};
  BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertLayer);

/** encoder.layer.N */
class BertEncoderImpl : public torch::nn::Module {
 public:
  explicit BertEncoderImpl(const BertOptions& o);
  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(BertEncoder);

/** BertModel without the pooler: embeddings + encoder.layer.N. */
class BertModelImpl : public torch::nn::Module {
 public:
  explicit BertModelImpl(const BertOptions& o = {});
  /** Returns the output of every layer (num_layers tensors [B, T, C]). */
  std::vector<at::Tensor> forward(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                                  const at::Tensor& token_type_ids = {});
  const BertOptions& options() const { return options_; }

  BertEmbeddings embeddings{nullptr};
  BertEncoder encoder{nullptr};

 private:
  BertOptions options_;
};
TORCH_MODULE(BertModel);

}  // namespace glip::modeling
