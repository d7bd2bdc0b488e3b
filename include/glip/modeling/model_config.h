/**
 * The `model.*` config section: every architectural choice of GLIP that the official yaml files make
 * (configs/pretrain/ yaml files), with GLIP-T's values as defaults. the files in configs/model/ set the variants
 * (GLIP-T(A), T(B), T(C), GLIP-T, GLIP-L, tiny CPU variants); build_model_options() turns it into
 * GlipModelOptions.
 */
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "glip/config/visitor.h"
#include "glip/modeling/glip_model.h"

namespace glip::modeling {

struct ModelConfig {
  std::string name = "glip_t";                    ///< a label for logs and checkpoints
  std::string conv_body = "SWINT-FPN-RETINANET";  ///< MODEL.BACKBONE.CONV_BODY
  // Swin (MODEL.SWINT.*)
  int64_t swin_embed_dim = 96;
  std::vector<int64_t> swin_depths{2, 2, 6, 2};
  std::vector<int64_t> swin_num_heads{3, 6, 12, 24};
  int64_t swin_window_size = 7;
  double swin_drop_path_rate = 0.2;
  bool swin_ape = false;
  // ResNet (MODEL.RESNETS.*, MODEL.GROUP_NORM.NUM_GROUPS), for the R-*-FPN-RETINANET bodies
  std::vector<int64_t> resnet_stage_blocks;  ///< empty: from conv_body
  int64_t resnet_stem_out_channels = 64;
  int64_t resnet_res2_out_channels = 256;
  int64_t resnet_width_per_group = 64;
  int64_t resnet_num_groups = 1;
  bool resnet_stride_in_1x1 = true;
  std::string resnet_norm = "FrozenBN";
  int64_t resnet_gn_groups = 32;
  int64_t freeze_conv_body_at = -1;  ///< MODEL.BACKBONE.FREEZE_CONV_BODY_AT (training: frozen backbone stages)
  // FPN (MODEL.BACKBONE.OUT_CHANNELS, DropBlock)
  int64_t out_channels = 256;
  bool fpn_drop_block = true;
  // BERT (MODEL.LANGUAGE_BACKBONE.*)
  int64_t bert_vocab_size = 30522;
  int64_t bert_hidden_size = 768;
  int64_t bert_num_layers = 12;
  int64_t bert_num_heads = 12;
  int64_t bert_intermediate_size = 3072;
  int64_t bert_max_position_embeddings = 512;
  double bert_word_embedding_std = 0.02;  ///< random init of the word embeddings (HF initializer_range)
  double bert_dropout = 0.1;  ///< BertConfig hidden_dropout_prob = attention_probs_dropout_prob (also the tower's)
  int64_t lang_n_layers = 1;
  int64_t max_query_len = 256;
  std::string backbone_weight;  ///< optional backbone-only checkpoint (ImageNet Swin / ResNet) loaded at build
  std::string bert_weights;     ///< optional HF BERT file (model.safetensors / pytorch_model.bin) loaded at build
  std::string weight;  ///< MODEL.WEIGHT: initial weights (official .pth or project .safetensors), loaded at build
  // DyHead (MODEL.DYHEAD.*)
  int64_t dyhead_channels = 256;
  int64_t dyhead_num_convs = 6;
  int64_t num_classes = 81;  ///< MODEL.DYHEAD.NUM_CLASSES (cls_logits width + 1)
  bool use_dyrelu = true, use_dyfuse = true, use_dfconv = true;
  int64_t gn_groups = 16;
  double prior_prob = 0.01;
  double log_scale = 0.0;
  // Fusion (MODEL.DYHEAD.FUSE_CONFIG.*)
  bool early_fuse = true;
  bool use_fused_features_dot_product = true;
  int64_t fusion_embed_dim = 2048;
  int64_t fusion_num_heads = 8;
  double fusion_dropout = 0.1;  ///< BiMultiHeadAttention dropout (hard-coded 0.1 in VLFuse)
  bool add_linear_layer = false;
  bool use_classification_loss = false;
  double dot_product_token_loss_weight = 1.0;
  // Anchors and ATSS (MODEL.RPN.*, MODEL.ATSS.*)
  std::vector<double> anchor_sizes{64, 128, 256, 512, 1024};
  std::vector<int64_t> anchor_strides{8, 16, 32, 64, 128};
  std::vector<double> aspect_ratios{1.0};
  int64_t scales_per_octave = 1;
  int64_t atss_topk = 9;
  double reg_loss_weight = 2.0;
  double inference_th = 0.05;
  int64_t pre_nms_top_n = 1000;
  double nms_th = 0.6;
  int64_t detections_per_img = 100;
  std::string score_agg = "MEAN";

  void visit(config::Visitor& v);
};

/** GlipModelOptions from the config (validated; throws InputError naming the key on inconsistency). */
GlipModelOptions build_model_options(const ModelConfig& cfg);

/** Builds the model (and loads `backbone_weight`, `bert_weights`, then `weight`, when set). */
GlipModel build_model(const ModelConfig& cfg);

/**
 * build_model with the weights of `checkpoint_path` (an official .pth or a project .safetensors checkpoint) in
 * place of `weight`; "" keeps `weight`. What evaluation, inference, pseudo-labelling and training all start from.
 * InputError when the path is not a file.
 */
GlipModel load_model(const ModelConfig& cfg, const std::string& checkpoint_path);

}  // namespace glip::modeling
