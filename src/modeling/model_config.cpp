#include "glip/modeling/model_config.h"

#include <filesystem>

#include "glip/modeling/checkpoint.h"

#include "glip/core/error.h"
#include "glip/modeling/language/hf_bert.h"

namespace glip::modeling {

void ModelConfig::visit(config::Visitor& v) {
  using config::at_least;
  using config::one_of;
  using config::range;
  v("name", name, "label of the variant (logs, checkpoint records)");
  v("conv_body", conv_body, "visual body + FPN (MODEL.BACKBONE.CONV_BODY; every released GLIP model: Swin)",
    one_of({"SWINT-FPN-RETINANET", "R-50-FPN-RETINANET", "R-101-FPN-RETINANET"}));
  v("swin_embed_dim", swin_embed_dim, "Swin embedding width (96 Swin-T, 192 Swin-L)", at_least(1));
  v("swin_depths", swin_depths, "Swin blocks per stage", at_least(1));
  v("swin_num_heads", swin_num_heads, "Swin attention heads per stage", at_least(1));
  v("swin_window_size", swin_window_size, "Swin window (7 Swin-T, 12 Swin-L)", at_least(1));
  v("swin_drop_path_rate", swin_drop_path_rate, "Swin stochastic depth (0.2 T, 0.4 L)", range(0, 1));
  v("swin_ape", swin_ape, "Swin absolute position embedding (MODEL.SWINT.APE; off in every GLIP config)");
  v("resnet_stage_blocks", resnet_stage_blocks,
    "ResNet bottleneck blocks in layer1..layer4 (empty: R-50 3-4-6-3 / R-101 3-4-23-3 from conv_body)", at_least(1));
  v("resnet_stem_out_channels", resnet_stem_out_channels, "ResNet stem width (MODEL.RESNETS.STEM_OUT_CHANNELS)",
    at_least(1));
  v("resnet_res2_out_channels", resnet_res2_out_channels,
    "ResNet layer1 output width, doubled per stage (MODEL.RESNETS.RES2_OUT_CHANNELS)", at_least(1));
  v("resnet_width_per_group", resnet_width_per_group,
    "ResNet layer1 bottleneck width per group (MODEL.RESNETS.WIDTH_PER_GROUP)", at_least(1));
  v("resnet_num_groups", resnet_num_groups, "ResNeXt cardinality (MODEL.RESNETS.NUM_GROUPS)", at_least(1));
  v("resnet_stride_in_1x1", resnet_stride_in_1x1, "ResNet stride in the 1x1 conv (MSRA) rather than the 3x3");
  v("resnet_norm", resnet_norm,
    "ResNet norms: FrozenBN (StemWithFixedBatchNorm, ImageNet checkpoints) or GN (StemWithGN, trains from scratch)",
    one_of({"FrozenBN", "GN"}));
  v("resnet_gn_groups", resnet_gn_groups, "GroupNorm groups of a GN ResNet (MODEL.GROUP_NORM.NUM_GROUPS)", at_least(1));
  v("freeze_conv_body_at", freeze_conv_body_at,
    "training: backbone stages frozen and run in eval mode (MODEL.BACKBONE.FREEZE_CONV_BODY_AT): -1 none; Swin >= 0 "
    "patch_embed, >= 1 absolute_pos_embed, >= 2 also layers.0 .. layers.(N-2); ResNet stem and layer1 .. "
    "layer(N-1)",
    at_least(-1));
  v("out_channels", out_channels, "FPN / head input channels (MODEL.BACKBONE.OUT_CHANNELS)", at_least(1));
  v("fpn_drop_block", fpn_drop_block, "FPN DropBlock (p 0.3, size 3) during training");
  v("bert_vocab_size", bert_vocab_size, "BERT vocabulary size (30522 bert-base-uncased)", at_least(1));
  v("bert_hidden_size", bert_hidden_size, "BERT width = LANG_DIM", at_least(1));
  v("bert_num_layers", bert_num_layers, "BERT layers", at_least(1));
  v("bert_num_heads", bert_num_heads, "BERT attention heads", at_least(1));
  v("bert_intermediate_size", bert_intermediate_size, "BERT FFN width", at_least(1));
  v("bert_max_position_embeddings", bert_max_position_embeddings, "BERT positions", at_least(1));
  v("bert_word_embedding_std", bert_word_embedding_std,
    "std of the random word-embedding init (HF 0.02; replaced when bert_weights or weight load): a BERT trained "
    "from scratch needs distinct words to start from (docs/training.md)",
    range(0, 10));
  v("bert_dropout", bert_dropout,
    "BERT dropout during training (bert-base-uncased's BertConfig: hidden_dropout_prob and "
    "attention_probs_dropout_prob 0.1), in the language backbone and the head's BertEncoderLayer blocks, which "
    "the official code builds from the same BertConfig; 0 makes training deterministic",
    range(0, 1));
  v("lang_n_layers", lang_n_layers, "MODEL.LANGUAGE_BACKBONE.N_LAYERS (last layers averaged)", at_least(1));
  v("max_query_len", max_query_len, "text length every caption is padded to", at_least(1));
  v("backbone_weight", backbone_weight,
    "backbone-only initial weights loaded into backbone.body at build (an ImageNet Swin / ResNet .pth or "
    ".safetensors, as the official swin_tiny_patch4_window7_224.pth; empty: random init)",
    config::existing_path());
  v("bert_weights", bert_weights, "HF BERT weights loaded at build (empty: random init)", config::existing_path());
  v("weight", weight,
    "initial weights of the whole model (MODEL.WEIGHT): an official GLIP .pth or a project .safetensors checkpoint; "
    "fine-tuning starts from it (empty: random init)",
    config::existing_path());
  v("dyhead_channels", dyhead_channels, "head channels (MODEL.DYHEAD.CHANNELS)", at_least(1));
  v("dyhead_num_convs", dyhead_num_convs, "tower blocks (6 GLIP-T, 8 GLIP-L)", at_least(1));
  v("num_classes", num_classes, "MODEL.DYHEAD.NUM_CLASSES (dead cls_logits has num_classes - 1)", at_least(2));
  v("use_dyrelu", use_dyrelu, "DyConv DyReLU");
  v("use_dyfuse", use_dyfuse, "DyConv scale attention");
  v("use_dfconv", use_dfconv, "DyConv deformable convs");
  v("gn_groups", gn_groups, "GroupNorm groups in DyConv", at_least(1));
  v("prior_prob", prior_prob, "prior of bias0 / cls bias", range(1e-6, 0.999999));
  v("log_scale", log_scale, "initial log_scale of the alignment logits");
  v("early_fuse", early_fuse, "deep fusion (false = GLIP-T(A))");
  v("use_fused_features_dot_product", use_fused_features_dot_product,
    "alignment uses the tower's fused text features (else the masked BERT output)");
  v("fusion_embed_dim", fusion_embed_dim, "X-MHA width (2048 in GLIP)", at_least(1));
  v("fusion_num_heads", fusion_num_heads, "X-MHA heads (8 in GLIP)", at_least(1));
  v("fusion_dropout", fusion_dropout,
    "dropout on both attention maps of the X-MHA fusion (BiMultiHeadAttention; hard-coded 0.1 in the official "
    "VLFuse, MHA-B). FUSE_CONFIG.JOINT_EMB_DROPOUT has no counterpart: it only acts in the SCAN / FILM fusions "
    "and SEPARATE_BIDIRECTIONAL, which GLIP's configs do not use; 0 makes training deterministic",
    range(0, 1));
  v("add_linear_layer", add_linear_layer, "prompt tuning: rpn.tunable_linear added to the text features");
  v("use_classification_loss", use_classification_loss, "train the dead cls_logits (off in GLIP)");
  v("dot_product_token_loss_weight", dot_product_token_loss_weight, "weight of the token alignment loss", at_least(0));
  v("anchor_sizes", anchor_sizes, "anchor size per level", at_least(1));
  v("anchor_strides", anchor_strides, "anchor stride per level", at_least(1));
  v("aspect_ratios", aspect_ratios, "anchor aspect ratios", at_least(1e-6));
  v("scales_per_octave", scales_per_octave, "anchor scales per octave", at_least(1));
  v("atss_topk", atss_topk, "ATSS candidates per level", at_least(1));
  v("reg_loss_weight", reg_loss_weight, "GIoU loss weight", at_least(0));
  v("inference_th", inference_th, "score threshold before centerness", range(0, 1));
  v("pre_nms_top_n", pre_nms_top_n, "candidates per level before NMS", at_least(1));
  v("nms_th", nms_th, "class-wise NMS IoU threshold", range(0, 1));
  v("detections_per_img", detections_per_img, "detections kept per image", at_least(1));
  v("score_agg", score_agg, "phrase score from token scores", one_of({"MEAN", "MAX"}));
}

GlipModelOptions build_model_options(const ModelConfig& c) {
  GlipModelOptions o;
  auto& s = o.backbone.swin;
  s.embed_dim = c.swin_embed_dim;
  s.depths = c.swin_depths;
  s.num_heads = c.swin_num_heads;
  s.window_size = c.swin_window_size;
  s.drop_path_rate = c.swin_drop_path_rate;
  s.ape = c.swin_ape;
  s.validate();
  o.backbone.conv_body = c.conv_body;
  auto& r = o.backbone.resnet;
  r = c.conv_body == "R-101-FPN-RETINANET" ? ResNetOptions::r101() : ResNetOptions::r50();
  if (!c.resnet_stage_blocks.empty()) r.stage_blocks = c.resnet_stage_blocks;
  r.stem_out_channels = c.resnet_stem_out_channels;
  r.res2_out_channels = c.resnet_res2_out_channels;
  r.width_per_group = c.resnet_width_per_group;
  r.num_groups = c.resnet_num_groups;
  r.stride_in_1x1 = c.resnet_stride_in_1x1;
  r.norm = c.resnet_norm;
  r.gn_groups = c.resnet_gn_groups;
  if (o.backbone.is_resnet()) r.validate();
  o.backbone.out_channels = c.out_channels;
  o.backbone.drop_block = c.fpn_drop_block;
  auto& b = o.language.bert;
  b.vocab_size = c.bert_vocab_size;
  b.hidden_size = c.bert_hidden_size;
  b.num_layers = c.bert_num_layers;
  b.num_heads = c.bert_num_heads;
  b.intermediate_size = c.bert_intermediate_size;
  b.max_position_embeddings = c.bert_max_position_embeddings;
  b.word_embedding_init_std = c.bert_word_embedding_std;
  b.hidden_dropout = b.attention_dropout = c.bert_dropout;
  GLIP_CHECK_INPUT(c.max_query_len <= c.bert_max_position_embeddings, "model.max_query_len ", c.max_query_len,
                   " exceeds model.bert_max_position_embeddings ", c.bert_max_position_embeddings);
  o.language.n_layers = c.lang_n_layers;
  auto& h = o.head;
  h.channels = c.dyhead_channels;
  h.num_convs = c.dyhead_num_convs;
  h.num_classes = c.num_classes - 1;
  h.prior_prob = c.prior_prob;
  h.log_scale = c.log_scale;
  h.early_fuse = c.early_fuse;
  h.use_fused_features_dot_product = c.use_fused_features_dot_product;
  h.fusion.embed_dim = c.fusion_embed_dim;
  h.fusion.num_heads = c.fusion_num_heads;
  h.fusion.dropout = c.fusion_dropout;
  h.dyconv.use_dyrelu = c.use_dyrelu;
  h.dyconv.use_dyfuse = c.use_dyfuse;
  h.dyconv.use_deform = c.use_dfconv;
  h.dyconv.gn_groups = c.gn_groups;
  o.add_linear_layer = c.add_linear_layer;
  o.use_classification_loss = c.use_classification_loss;
  o.dot_product_token_loss_weight = c.dot_product_token_loss_weight;
  o.anchors.sizes = c.anchor_sizes;
  o.anchors.strides = c.anchor_strides;
  o.anchors.aspect_ratios = c.aspect_ratios;
  o.anchors.scales_per_octave = c.scales_per_octave;
  o.loss.assigner.topk = c.atss_topk;
  o.loss.reg_loss_weight = c.reg_loss_weight;
  o.postprocess.pre_nms_thresh = c.inference_th;
  o.postprocess.pre_nms_top_n = c.pre_nms_top_n;
  o.postprocess.nms_thresh = c.nms_th;
  o.postprocess.detections_per_image = c.detections_per_img;
  o.postprocess.score_agg = c.score_agg == "MAX" ? ScoreAggregation::kMax : ScoreAggregation::kMean;
  o.finalize();
  return o;
}

GlipModel build_model(const ModelConfig& cfg) {
  GlipModel m(build_model_options(cfg));
  if (!cfg.backbone_weight.empty()) load_backbone_weights(m->backbone->body(), cfg.backbone_weight);
  if (!cfg.bert_weights.empty()) load_hf_bert(*m->language_backbone->body->model, cfg.bert_weights);
  if (!cfg.weight.empty()) load_initial_weights(*m, cfg.weight);
  return m;
}

GlipModel load_model(const ModelConfig& cfg, const std::string& checkpoint_path) {
  GLIP_CHECK_INPUT(checkpoint_path.empty() || std::filesystem::is_regular_file(checkpoint_path), "checkpoint '",
                   checkpoint_path, "' does not exist or is not a file");
  ModelConfig c = cfg;
  if (!checkpoint_path.empty()) c.weight = checkpoint_path;  // the explicit checkpoint replaces model.weight
  return build_model(c);
}

}  // namespace glip::modeling
