// THE mapping table of official GLIP config keys (maskrcnn_benchmark yacs) to glip keys: the one place where an
// official key is mapped, fixed or ignored. docs/configs.md ("Official GLIP configs") is generated from it and
// tests/config/official_config_test.cpp checks every default against the official defaults.py.
//
// Kinds (src/config/official_detail.h):
//   to / map_fn   the value is written to glip key(s)
//   only / only_fn glip implements one behaviour; the value that selects it is accepted, any other is reported
//   ignored       any value: the code GLIP runs does not read it, or it changes memory, speed or logging only
// The second argument is the key's default in maskrcnn_benchmark/config/defaults.py, used when the file does not set
// the key (a yacs config is a delta from the defaults).
#include <cstdint>
#include <string>
#include <tuple>

#include "config/official_detail.h"
#include "glip/core/strings.h"

namespace glip::config::official {
namespace {

/** The value copied to one glip key (scalars, and tuples / lists of scalars as YAML lists). */
Entry to(std::string key, std::string def, std::string glip_key, std::string note = "") {
  Entry e{std::move(key), std::move(def), Kind::kMap, glip_key, std::move(note), {}};
  e.apply = [glip_key](Ctx& c) { c.put(glip_key, c.value()); };
  return e;
}

Entry map_fn(std::string key, std::string def, std::string glip_keys, std::string note, std::function<void(Ctx&)> fn) {
  return Entry{std::move(key), std::move(def), Kind::kMap, std::move(glip_keys), std::move(note), std::move(fn)};
}

/** glip implements `accepted` only (a Python literal). */
Entry only(std::string key, std::string def, std::string accepted, std::string note) {
  Entry e{std::move(key), std::move(def), Kind::kFixed, accepted, note, {}};
  const Py want = literal(accepted);
  e.apply = [want, accepted, note](Ctx& c) {
    if (c.value() == want) return;
    c.problem("glip implements only " + accepted + " (" + note + ")" +
              (c.is_set() ? "" : "; set it to " + accepted + " to accept that"));
  };
  return e;
}

/** glip implements what `fn` accepts (it reports the problem itself); `accepted` describes it for the docs. */
Entry only_fn(std::string key, std::string def, std::string accepted, std::string note, std::function<void(Ctx&)> fn) {
  return Entry{std::move(key), std::move(def), Kind::kFixed, std::move(accepted), std::move(note), std::move(fn)};
}

Entry ignored(std::string key, std::string def, std::string note) {
  return Entry{std::move(key), std::move(def), Kind::kIgnored, "", std::move(note), {}};
}

bool is_str(const Py& v) { return v.t == Py::T::kStr; }

/** A list value from a scalar or a tuple / list. */
Py as_list(const Py& v) {
  if (v.is_seq()) return v;
  Py l;
  l.t = Py::T::kList;
  l.items.push_back(v);
  return l;
}

/** "not set" default or value: the copies of catalog datasets only matter when DATASETS.TRAIN names some. */
std::function<void(Ctx&)> copies_check(const std::string& def) {
  const Py want = literal(def);
  return [want](Ctx& c) {
    if (c.value() == want || !c.get("DATASETS.TRAIN").truthy()) return;
    c.problem(
        "copies of the catalog datasets of DATASETS.TRAIN: glip weighs its data.train entries by "
        "data.train[].weight (with TRAIN: () this key is not read)");
  };
}

/** The list of dicts of OVERRIDE_CATEGORY / CAPTION_PROMPT, checked to hold the expected fields. */
void put_dict_list(Ctx& c, const std::string& glip_key, const std::vector<std::string>& fields) {
  const Py& v = c.value();
  bool ok = v.is_seq();
  Py out;
  out.t = Py::T::kList;
  for (size_t i = 0; ok && i < v.items.size(); ++i) {
    const Py& d = v.items[i];
    ok = d.t == Py::T::kDict;
    Py entry;
    entry.t = Py::T::kDict;
    for (size_t k = 0; ok && k < d.entries.size(); ++k) {
      const auto& [name, val] = d.entries[k];
      bool known = false;
      for (const auto& f : fields) known = known || (name.t == Py::T::kStr && name.s == f);
      if (known) entry.entries.emplace_back(name, val);
      ok = known || name.t == Py::T::kStr;
    }
    out.items.push_back(std::move(entry));
  }
  if (!ok) {
    std::string names;
    for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f;
    c.problem("expected a list of dicts with " + names);
    return;
  }
  c.put(glip_key, out);
}

std::vector<Entry> build() {
  std::vector<Entry> t;
  auto add = [&t](Entry e) { t.push_back(std::move(e)); };

  // ---- MODEL: the detector --------------------------------------------------------------------------------------
  add(only("MODEL.META_ARCHITECTURE", "'GeneralizedRCNN'", "'GeneralizedVLRCNN'", "the GLIP detector"));
  add(only("MODEL.RPN_ONLY", "False", "True", "GLIP's boxes come from the VLDyHead; there is no ROI head"));
  add(only("MODEL.RPN_ARCHITECTURE", "'RPN'", "'VLDYHEAD'", "the vision-language DyHead"));
  add(only("MODEL.BOX_ON", "True", "True", "boxes"));
  add(only("MODEL.MASK_ON", "False", "False", "no mask head"));
  add(only("MODEL.KEYPOINT_ON", "False", "False", "no keypoint head"));
  add(map_fn("MODEL.DEVICE", "'cuda'", "device",
             "written only when the file sets it (glip's default `auto` takes the GPU when there is one)", [](Ctx& c) {
               if (c.is_set()) c.put("device", c.value());
             }));
  add(map_fn("MODEL.WEIGHT", "''", "model.backbone_weight, model.weight",
             "a file whose name starts with `swin_` (the ImageNet Swin checkpoints the pretraining configs start "
             "from) -> `model.backbone_weight`; any other file (a GLIP checkpoint) -> `model.weight`; paths are "
             "relative to the working directory; `catalog://` names cannot be mapped",
             [](Ctx& c) {
               const Py& v = c.value();
               if (!is_str(v)) return c.problem("expected a file path");
               if (v.s.empty()) return;
               if (starts_with(v.s, "catalog://"))
                 return c.problem("maskrcnn_benchmark's download catalog: name the checkpoint file");
               const size_t slash = v.s.find_last_of('/');
               const std::string name = slash == std::string::npos ? v.s : v.s.substr(slash + 1);
               c.put(starts_with(name, "swin_") ? "model.backbone_weight" : "model.weight", v);
             }));
  add(only("MODEL.LINEAR_PROB", "False", "False",
           "linear probing is `solver.tuning_highlevel_override: linear_prob` (SOLVER.TUNING_HIGHLEVEL_OVERRIDE)"));
  add(ignored("MODEL.DEBUG", "False", "debug printing"));

  // ---- MODEL.BACKBONE, MODEL.SWINT, MODEL.RESNETS, MODEL.GROUP_NORM ----------------------------------------------
  add(to("MODEL.BACKBONE.CONV_BODY", "'R-50-C4'", "model.conv_body",
         "SWINT-FPN-RETINANET, R-50-FPN-RETINANET or R-101-FPN-RETINANET"));
  add(to("MODEL.BACKBONE.OUT_CHANNELS", "1024", "model.out_channels", "defaults.py: 256 * 4"));
  add(to("MODEL.BACKBONE.FREEZE_CONV_BODY_AT", "2", "model.freeze_conv_body_at",
         "the default 2 freezes Swin's patch_embed and first stage (glip_Swin_L.yaml leaves it so)"));
  add(only("MODEL.BACKBONE.FREEZE", "False", "False", "to freeze backbone stages use FREEZE_CONV_BODY_AT"));
  add(only("MODEL.BACKBONE.OUT_FEATURES", "(\"stage2\", \"stage3\", \"stage4\", \"stage5\")",
           "('stage2', 'stage3', 'stage4', 'stage5')", "the stages the FPN reads"));
  add(only("MODEL.BACKBONE.USE_BN", "False", "False", "the ResNet norms are model.resnet_norm"));
  add(only("MODEL.BACKBONE.USE_SYNCBN", "False", "False", "no SyncBN"));
  add(only("MODEL.BACKBONE.USE_NSYNCBN", "False", "False", "no SyncBN"));
  add(only("MODEL.BACKBONE.NORM_LEVEL", "3", "3", "read with USE_BN / USE_SYNCBN only"));
  add(ignored("MODEL.BACKBONE.USE_CHECKPOINT", "False", "activation checkpointing: memory only"));
  add(to("MODEL.SWINT.EMBED_DIM", "96", "model.swin_embed_dim"));
  add(to("MODEL.SWINT.DEPTHS", "(2, 2, 6, 2)", "model.swin_depths"));
  add(to("MODEL.SWINT.NUM_HEADS", "(3, 6, 12, 24)", "model.swin_num_heads"));
  add(to("MODEL.SWINT.WINDOW_SIZE", "7", "model.swin_window_size"));
  add(to("MODEL.SWINT.DROP_PATH_RATE", "0.2", "model.swin_drop_path_rate"));
  add(to("MODEL.SWINT.APE", "False", "model.swin_ape"));
  add(only_fn("MODEL.SWINT.OUT_CHANNELS", "(96, 192, 384, 768)", "EMBED_DIM x (1, 2, 4, 8)",
              "glip derives the stage widths from EMBED_DIM; not read for a ResNet body", [](Ctx& c) {
                const Py& body = c.get("MODEL.BACKBONE.CONV_BODY");
                if (!is_str(body) || !starts_with(body.s, "SWINT")) return;
                const Py& dim = c.get("MODEL.SWINT.EMBED_DIM");
                if (dim.t != Py::T::kInt || dim.i < 1 || dim.i > (int64_t{1} << 40)) return;  // glip checks the key
                Py want;
                want.t = Py::T::kTuple;
                for (int64_t m : {1, 2, 4, 8}) want.items.push_back(Py::integer(dim.i * m));
                if (c.value() != want) c.problem("glip derives the stage widths from EMBED_DIM: " + want.repr());
              }));
  add(only("MODEL.SWINT.MLP_RATIO", "4", "4", "Swin's MLP is 4x wide"));
  add(only("MODEL.SWINT.VERSION", "\"v1\"", "'v1'", "the Swin of every GLIP model"));
  add(ignored("MODEL.SWINT.OUT_NORM", "True", "not read by the v1 Swin"));
  add(ignored("MODEL.SWINT.LAYER_SCALE", "0", "not read by the v1 Swin"));
  add(to("MODEL.RESNETS.STEM_OUT_CHANNELS", "64", "model.resnet_stem_out_channels"));
  add(to("MODEL.RESNETS.RES2_OUT_CHANNELS", "256", "model.resnet_res2_out_channels"));
  add(to("MODEL.RESNETS.WIDTH_PER_GROUP", "64", "model.resnet_width_per_group"));
  add(to("MODEL.RESNETS.NUM_GROUPS", "1", "model.resnet_num_groups"));
  add(to("MODEL.RESNETS.STRIDE_IN_1X1", "True", "model.resnet_stride_in_1x1"));
  add(map_fn("MODEL.RESNETS.TRANS_FUNC", "\"BottleneckWithFixedBatchNorm\"", "model.resnet_norm",
             "BottleneckWithFixedBatchNorm -> FrozenBN, BottleneckWithGN -> GN", [](Ctx& c) {
               const Py& v = c.value();
               if (is_str(v) && v.s == "BottleneckWithFixedBatchNorm")
                 return c.put("model.resnet_norm", Py::str("FrozenBN"));
               if (is_str(v) && v.s == "BottleneckWithGN") return c.put("model.resnet_norm", Py::str("GN"));
               c.problem("glip implements BottleneckWithFixedBatchNorm and BottleneckWithGN");
             }));
  add(only_fn("MODEL.RESNETS.STEM_FUNC", "\"StemWithFixedBatchNorm\"", "the stem of TRANS_FUNC's norm",
              "StemWithFixedBatchNorm with BottleneckWithFixedBatchNorm, StemWithGN with BottleneckWithGN", [](Ctx& c) {
                const Py& trans = c.get("MODEL.RESNETS.TRANS_FUNC");
                const std::string want =
                    is_str(trans) && trans.s == "BottleneckWithGN" ? "StemWithGN" : "StemWithFixedBatchNorm";
                if (!is_str(c.value()) || c.value().s != want)
                  c.problem("glip's ResNet stem has the norm of its blocks: " + want);
              }));
  add(only("MODEL.RESNETS.STAGE_WITH_DCN", "(False, False, False, False)", "(False, False, False, False)",
           "no deformable convs in the ResNet"));
  add(only("MODEL.RESNETS.WITH_MODULATED_DCN", "False", "False", "no deformable convs in the ResNet"));
  add(only("MODEL.RESNETS.DEFORMABLE_GROUPS", "1", "1", "no deformable convs in the ResNet"));
  add(only("MODEL.RESNETS.USE_STEM3X3", "False", "False", "the 7x7 stem"));
  add(only("MODEL.RESNETS.WITH_SE", "False", "False", "no squeeze-excitation"));
  add(only("MODEL.RESNETS.USE_AVG_DOWN", "False", "False", "strided-conv downsampling"));
  add(map_fn("MODEL.GROUP_NORM.NUM_GROUPS", "16", "model.gn_groups, model.resnet_gn_groups",
             "the DyConv GroupNorms and a GN ResNet's", [](Ctx& c) {
               c.put("model.gn_groups", c.value());
               c.put("model.resnet_gn_groups", c.value());
             }));
  add(only("MODEL.GROUP_NORM.DIM_PER_GP", "-1", "-1", "groups by NUM_GROUPS"));
  add(only("MODEL.GROUP_NORM.EPSILON", "1e-5", "1e-05", "GroupNorm epsilon"));

  // ---- MODEL.LANGUAGE_BACKBONE ----------------------------------------------------------------------------------
  add(map_fn("MODEL.LANGUAGE_BACKBONE.MODEL_TYPE", "\"bert-base-uncased\"",
             "model.bert_vocab_size, model.bert_hidden_size, model.bert_num_layers, model.bert_num_heads, "
             "model.bert_intermediate_size, model.bert_max_position_embeddings",
             "bert-base-uncased only (30522 words, 768 wide, 12 layers, 12 heads, FFN 3072, 512 positions). The "
             "official code downloads HF's pre-trained weights; glip reads them from `model.bert_weights` (or "
             "`model.weight`): set it when MODEL.WEIGHT is a backbone-only checkpoint",
             [](Ctx& c) {
               if (!is_str(c.value()) || c.value().s != "bert-base-uncased")
                 return c.problem("glip implements the bert-base-uncased language backbone only");
               c.put("model.bert_vocab_size", Py::integer(30522));
               c.put("model.bert_hidden_size", Py::integer(768));
               c.put("model.bert_num_layers", Py::integer(12));
               c.put("model.bert_num_heads", Py::integer(12));
               c.put("model.bert_intermediate_size", Py::integer(3072));
               c.put("model.bert_max_position_embeddings", Py::integer(512));
             }));
  add(only("MODEL.LANGUAGE_BACKBONE.TOKENIZER_TYPE", "\"bert-base-uncased\"", "'bert-base-uncased'",
           "glip's WordPiece tokenizer is bert-base-uncased's"));
  add(only("MODEL.LANGUAGE_BACKBONE.LANG_DIM", "768", "768", "bert-base-uncased's width"));
  add(to("MODEL.LANGUAGE_BACKBONE.MAX_QUERY_LEN", "256", "model.max_query_len"));
  add(to("MODEL.LANGUAGE_BACKBONE.N_LAYERS", "1", "model.lang_n_layers"));
  add(only("MODEL.LANGUAGE_BACKBONE.FREEZE", "False", "False",
           "the language backbone trains (the tuning modes freeze it)"));
  add(only("MODEL.LANGUAGE_BACKBONE.MASK_SPECIAL", "False", "False", "[CLS] and [SEP] stay unmasked"));
  add(only("MODEL.LANGUAGE_BACKBONE.PAD_MAX", "True", "True", "every caption is padded to MAX_QUERY_LEN"));
  add(ignored("MODEL.LANGUAGE_BACKBONE.USE_CHECKPOINT", "False", "activation checkpointing: memory only"));

  // ---- MODEL.FPN, MODEL.RPN (anchors) ---------------------------------------------------------------------------
  add(to("MODEL.FPN.DROP_BLOCK", "True", "model.fpn_drop_block"));
  add(only("MODEL.FPN.DROP_PROB", "0.3", "0.3", "glip's DropBlock"));
  add(only("MODEL.FPN.DROP_SIZE", "3", "3", "glip's DropBlock"));
  add(only("MODEL.FPN.FREEZE", "False", "False", "the FPN trains"));
  add(only("MODEL.FPN.USE_GN", "False", "False", "no norm in the FPN"));
  add(only("MODEL.FPN.USE_RELU", "False", "False", "no ReLU in the FPN"));
  add(only("MODEL.FPN.USE_DYRELU", "False", "False", "no DyReLU in the FPN"));
  add(only("MODEL.FPN.USE_SPP", "False", "False", "no SPP"));
  add(only("MODEL.FPN.USE_PAN", "False", "False", "no PAN"));
  add(only("MODEL.FPN.USE_DYHEAD", "False", "False", "the DyHead is the VLDyHead"));
  add(only("MODEL.FPN.RETURN_SWINT_FEATURE_BEFORE_FUSION", "False", "False", "the FPN returns its levels only"));
  add(only("MODEL.RPN.USE_FPN", "False", "True", "anchors on the five FPN levels"));
  add(to("MODEL.RPN.ANCHOR_SIZES", "(32, 64, 128, 256, 512)", "model.anchor_sizes"));
  add(to("MODEL.RPN.ANCHOR_STRIDE", "(16,)", "model.anchor_strides"));
  add(to("MODEL.RPN.ASPECT_RATIOS", "(0.5, 1.0, 2.0)", "model.aspect_ratios"));
  add(to("MODEL.RPN.SCALES_PER_OCTAVE", "3", "model.scales_per_octave"));
  add(only("MODEL.RPN.OCTAVE", "2.0", "2.0", "octave scales 2^(i / SCALES_PER_OCTAVE)"));
  add(only("MODEL.RPN.ANCHOR_SHIFT", "(0.0, 0.0, 0.0, 0.0)", "(0.0, 0.0, 0.0, 0.0)", "centred anchors"));
  add(only("MODEL.RPN.USE_RELATIVE_SIZE", "False", "False", "absolute anchor sizes"));
  add(only("MODEL.RPN.STRADDLE_THRESH", "0", "0", "anchors are not pruned"));
  add(only("MODEL.RPN.FREEZE", "False", "False", "the head trains"));
  add(only("MODEL.RPN.FORCE_BOXES", "False", "False", "no forced boxes"));
  add(only("MODEL.RPN.RETURN_FUSED_FEATURES", "False", "False", "the head returns boxes"));

  // ---- MODEL.DYHEAD and its FUSE_CONFIG -------------------------------------------------------------------------
  add(to("MODEL.DYHEAD.NUM_CLASSES", "81", "model.num_classes"));
  add(to("MODEL.DYHEAD.PRIOR_PROB", "0.01", "model.prior_prob"));
  add(to("MODEL.DYHEAD.NUM_CONVS", "4", "model.dyhead_num_convs"));
  add(to("MODEL.DYHEAD.CHANNELS", "128", "model.dyhead_channels"));
  add(to("MODEL.DYHEAD.USE_DFCONV", "False", "model.use_dfconv"));
  add(to("MODEL.DYHEAD.USE_DYRELU", "False", "model.use_dyrelu"));
  add(to("MODEL.DYHEAD.USE_DYFUSE", "False", "model.use_dyfuse"));
  add(to("MODEL.DYHEAD.SCORE_AGG", "\"MEAN\"", "model.score_agg", "MEAN or MAX"));
  add(to("MODEL.DYHEAD.LOG_SCALE", "0.0", "model.log_scale"));
  add(only("MODEL.DYHEAD.USE_GN", "False", "True", "GroupNorm in DyConv"));
  add(only("MODEL.DYHEAD.USE_NSYNCBN", "False", "False", "GroupNorm in DyConv"));
  add(only("MODEL.DYHEAD.USE_SYNCBN", "False", "False", "GroupNorm in DyConv"));
  add(only("MODEL.DYHEAD.CONV_FUNC", "''", "''", "DyConv's modulated deformable / plain 3x3 convs"));
  add(ignored("MODEL.DYHEAD.TOPK", "9", "not read by GLIP: the ATSS loss takes MODEL.ATSS.TOPK"));
  add(ignored("MODEL.DYHEAD.GROUPS", "1", "not read by the VLDyHead"));
  add(ignored("MODEL.DYHEAD.COSINE_SCALE", "-1.0", "not read by the VLDyHead"));
  add(ignored("MODEL.DYHEAD.SHALLOW_LOG_SCALE", "0.0", "the shallow contrastive loss only, which glip refuses"));
  add(ignored("MODEL.DYHEAD.USE_CHECKPOINT", "False", "activation checkpointing: memory only"));
  add(to("MODEL.DYHEAD.FUSE_CONFIG.EARLY_FUSE_ON", "False", "model.early_fuse"));
  add(only_fn("MODEL.DYHEAD.FUSE_CONFIG.TYPE", "\"\"", "'MHA-B'", "any value when EARLY_FUSE_ON is False", [](Ctx& c) {
    if (!c.get("MODEL.DYHEAD.FUSE_CONFIG.EARLY_FUSE_ON").truthy()) return;
    if (!is_str(c.value()) || c.value().s != "MHA-B") c.problem("glip's deep fusion is the bidirectional X-MHA, MHA-B");
  }));
  add(only_fn("MODEL.DYHEAD.FUSE_CONFIG.JOINT_EMB_SIZE", "256", "MODEL.DYHEAD.CHANNELS",
              "the visual width of the fusion is the head's; any value when EARLY_FUSE_ON is False", [](Ctx& c) {
                if (!c.get("MODEL.DYHEAD.FUSE_CONFIG.EARLY_FUSE_ON").truthy()) return;
                if (c.value() != c.get("MODEL.DYHEAD.CHANNELS"))
                  c.problem("glip's fusion works at the head's width, MODEL.DYHEAD.CHANNELS = " +
                            c.get("MODEL.DYHEAD.CHANNELS").repr());
              }));
  add(ignored("MODEL.DYHEAD.FUSE_CONFIG.JOINT_EMB_DROPOUT", "0.1",
              "the SCAN / FILM fusions and the contrastive loss only (MHA-B's dropout is 0.1: model.fusion_dropout)"));
  add(ignored("MODEL.DYHEAD.FUSE_CONFIG.JOINT_OUT_SIZE", "256", "the SCAN / FILM fusions only"));
  add(ignored("MODEL.DYHEAD.FUSE_CONFIG.JOINT_MLP_LAYERS", "2", "the SCAN / FILM fusions only"));
  add(to("MODEL.DYHEAD.FUSE_CONFIG.USE_CLASSIFICATION_LOSS", "False", "model.use_classification_loss"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.USE_TOKEN_LOSS", "False", "False", "no token loss on cls_logits"));
  add(ignored("MODEL.DYHEAD.FUSE_CONFIG.TOKEN_LOSS_WEIGHT", "1.0", "USE_TOKEN_LOSS only"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.TOKEN_ALPHA", "0.25", "0.25", "alpha of the token focal loss"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.TOKEN_GAMMA", "2.0", "2.0", "gamma of the token focal loss"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.USE_DOT_PRODUCT_TOKEN_LOSS", "False", "True", "the region-word alignment loss"));
  add(to("MODEL.DYHEAD.FUSE_CONFIG.DOT_PRODUCT_TOKEN_LOSS_WEIGHT", "1.0", "model.dot_product_token_loss_weight"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.USE_CONTRASTIVE_ALIGN_LOSS", "False", "False", "no contrastive alignment loss"));
  add(ignored("MODEL.DYHEAD.FUSE_CONFIG.CONTRASTIVE_HIDDEN_DIM", "64", "USE_CONTRASTIVE_ALIGN_LOSS only"));
  add(ignored("MODEL.DYHEAD.FUSE_CONFIG.CONTRASTIVE_ALIGN_LOSS_WEIGHT", "1.0", "USE_CONTRASTIVE_ALIGN_LOSS only"));
  add(to("MODEL.DYHEAD.FUSE_CONFIG.USE_FUSED_FEATURES_DOT_PRODUCT", "False", "model.use_fused_features_dot_product"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.USE_LAYER_SCALE", "True", "True", "gamma_v / gamma_l of the X-MHA"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.SEPARATE_BIDIRECTIONAL", "False", "False", "one X-MHA over all levels"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.STABLE_SOFTMAX_2D", "False", "False", "the X-MHA's softmax"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.DO_LANG_PROJ_OUTSIDE_CHECKPOINT", "False", "False",
           "SEPARATE_BIDIRECTIONAL only"));
  for (const char* k : {"CLAMP_MIN_FOR_UNDERFLOW", "CLAMP_MAX_FOR_OVERFLOW", "CLAMP_BERTATTN_MIN_FOR_UNDERFLOW",
                        "CLAMP_BERTATTN_MAX_FOR_OVERFLOW", "CLAMP_DOT_PRODUCT"})
    add(only(std::string("MODEL.DYHEAD.FUSE_CONFIG.") + k, "False", "True",
             "glip clamps these activations to +-50000 (the fp16 guard of every GLIP config)"));
  add(to("MODEL.DYHEAD.FUSE_CONFIG.ADD_LINEAR_LAYER", "False", "model.add_linear_layer"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.MLM_LOSS", "False", "False", "no masked-language-model loss"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.USE_SHALLOW_CONTRASTIVE_LOSS", "False", "False", "no shallow contrastive loss"));
  add(only("MODEL.DYHEAD.FUSE_CONFIG.USE_BACKBONE_SHALLOW_CONTRASTIVE_LOSS", "False", "False",
           "no shallow contrastive loss"));

  // ---- MODEL.ATSS (the VLDyHead's loss and post-processing), MODEL.FOCAL, heads GLIP does not build -----------
  add(to("MODEL.ATSS.TOPK", "9", "model.atss_topk"));
  add(to("MODEL.ATSS.REG_LOSS_WEIGHT", "2.0", "model.reg_loss_weight"));
  add(to("MODEL.ATSS.INFERENCE_TH", "0.05", "model.inference_th"));
  add(to("MODEL.ATSS.PRE_NMS_TOP_N", "1000", "model.pre_nms_top_n"));
  add(to("MODEL.ATSS.NMS_TH", "0.6", "model.nms_th"));
  add(to("MODEL.ATSS.DETECTIONS_PER_IMG", "100", "model.detections_per_img"));
  add(ignored("MODEL.ATSS.NUM_CLASSES", "81", "stored, never used, by the ATSS post-processor"));
  add(ignored("MODEL.ATSS.INFERENCE_TH_TRAIN", "0.0", "the training box selector, which RPN_ONLY skips"));
  add(ignored("MODEL.ATSS.PRE_NMS_TOP_N_TRAIN", "3000", "the training box selector, which RPN_ONLY skips"));
  add(ignored("MODEL.ATSS.POST_NMS_TOP_N_TRAIN", "1000", "the training box selector, which RPN_ONLY skips"));
  add(only("MODEL.FOCAL.LOSS_ALPHA", "0.25", "0.25", "alpha of the cls_logits focal loss"));
  add(only("MODEL.FOCAL.LOSS_GAMMA", "2.0", "2.0", "gamma of the cls_logits focal loss"));
  add(ignored("MODEL.FCOS.NUM_CLASSES", "81", "a head GLIP does not build"));
  add(ignored("MODEL.RETINANET.NUM_CLASSES", "81", "a head GLIP does not build"));
  add(ignored("MODEL.ROI_BOX_HEAD.NUM_CLASSES", "81", "a head GLIP does not build"));

  // ---- INPUT, AUGMENT, DATALOADER -------------------------------------------------------------------------------
  add(map_fn("INPUT.MIN_SIZE_TRAIN", "800", "data.min_size_train", "when AUGMENT.MULT_MIN_SIZE_TRAIN is empty",
             [](Ctx& c) {
               if (!c.get("AUGMENT.MULT_MIN_SIZE_TRAIN").truthy()) c.put("data.min_size_train", as_list(c.value()));
             }));
  add(to("INPUT.MAX_SIZE_TRAIN", "1333", "data.max_size_train"));
  add(map_fn("INPUT.MIN_SIZE_TEST", "800", "data.min_size_test", "",
             [](Ctx& c) { c.put("data.min_size_test", as_list(c.value())); }));
  add(to("INPUT.MAX_SIZE_TEST", "1333", "data.max_size_test"));
  add(only("INPUT.PIXEL_MEAN", "[102.9801, 115.9465, 122.7717]", "[103.53, 116.28, 123.675]",
           "glip normalises with the Swin GLIP configs' mean and std"));
  add(only("INPUT.PIXEL_STD", "[1., 1., 1.]", "[57.375, 57.12, 58.395]",
           "glip normalises with the Swin GLIP configs' mean and std"));
  add(only("INPUT.TO_BGR255", "True", "True", "BGR pixels in 0..255"));
  add(only("INPUT.FORMAT", "''", "''", "BGR pixels in 0..255 (TO_BGR255)"));
  add(only("INPUT.FIX_RES", "False", "False", "the resize keeps the aspect ratio"));
  add(map_fn("AUGMENT.MULT_MIN_SIZE_TRAIN", "()", "data.min_size_train", "when not empty", [](Ctx& c) {
    if (c.value().truthy()) c.put("data.min_size_train", as_list(c.value()));
  }));
  add(to("AUGMENT.FLIP_PROB_TRAIN", "0.5", "data.flip_prob"));
  for (const auto& [k, d] :
       std::vector<std::pair<std::string, std::string>>{{"VERTICAL_FLIP_PROB_TRAIN", "0.0"},
                                                        {"BRIGHTNESS", "0.0"},
                                                        {"CONTRAST", "0.0"},
                                                        {"SATURATION", "0.0"},
                                                        {"HUE", "0.0"},
                                                        {"CROP_PROB", "0.5"},
                                                        {"CROP_MIN_IOUS", "(0.1, 0.3, 0.5, 0.7, 0.9)"},
                                                        {"CROP_MIN_SIZE", "0.3"}})
    add(ignored("AUGMENT." + k, d, "read by the official build_transforms but never applied"));
  add(ignored("AUGMENT.USE_RA", "0", "not read"));
  add(map_fn("DATALOADER.SIZE_DIVISIBILITY", "0", "data.size_divisibility", "0 (no padding to a multiple) -> 1",
             [](Ctx& c) {
               const Py& v = c.value();
               c.put("data.size_divisibility", v.is_number() && v.num() == 0 ? Py::integer(1) : v);
             }));
  add(map_fn("DATALOADER.NUM_WORKERS", "4", "data.num_workers", "written only when the file sets it", [](Ctx& c) {
    if (c.is_set()) c.put("data.num_workers", c.value());
  }));
  add(only("DATALOADER.ASPECT_RATIO_GROUPING", "True", "False", "glip's batches are not grouped by aspect ratio"));

  // ---- DATASETS -------------------------------------------------------------------------------------------------
  add(only_fn("DATASETS.TRAIN", "()", "()",
              "official catalog names (paths_catalog.py) cannot be mapped: glip trains on the data.train entries "
              "of a glip config (docs/formats.md)",
              [](Ctx& c) {
                if (c.value().truthy())
                  c.problem(
                      "names of the official dataset catalog (paths_catalog.py): declare the datasets as "
                      "data.train entries (format, files) in a glip config and set TRAIN: ()");
              }));
  add(only_fn("DATASETS.TEST", "()", "()",
              "official catalog names cannot be mapped: glip evaluates the eval.datasets of a glip config "
              "(configs/eval/, docs/evaluation.md)",
              [](Ctx& c) {
                if (c.value().truthy())
                  c.problem(
                      "names of the official dataset catalog (paths_catalog.py): declare the datasets as "
                      "eval.datasets entries in a glip config (configs/eval/) and set TEST: ()");
              }));
  add(map_fn("DATASETS.RANDOM_SAMPLE_NEG", "-1", "data.random_sample_negative", "a count > 0", [](Ctx& c) {
    if (!c.value().is_number() || c.value().num() <= 0)
      return c.problem("glip samples a number of negative classes into every detection prompt: set a count > 0");
    c.put("data.random_sample_negative", c.value());
  }));
  add(only("DATASETS.CONTROL_PROB", "()", "(0.0, 0.0, 0.5, 0.0)",
           "negatives: all RANDOM_SAMPLE_NEG with p 0.5, else Uniform{1..}"));
  add(only("DATASETS.SEPARATION_TOKENS", "\" \"", "'. '", "class names are joined with '. '"));
  add(only("DATASETS.ADD_DET_PROMPT", "False", "False", "no detection prompt added to grounding captions"));
  add(only("DATASETS.ADD_DET_PROMPT_ADVANCED", "False", "False", "no detection prompt added to grounding captions"));
  add(only("DATASETS.USE_OD_AUG", "False", "False", "no detection-data augmentation"));
  // Per-dataset in glip (data.train[]); the official catalog datasets they would apply to cannot be mapped.
  for (const auto& [k, def, glip_key] :
       {std::tuple<const char*, const char*, const char*>{"DISABLE_SHUFFLE", "False", "disable_shuffle"},
        {"FEW_SHOT", "0", "few_shot"},
        {"SHUFFLE_SEED", "0", "shuffle_seed"}})
    add(only(std::string("DATASETS.") + k, def, def,
             std::string("a per-dataset key in glip: set data.train[].") + glip_key +
                 " on the data.train entries of a glip config"));
  add(only("DATASETS.ONE_HOT", "False", "False", "the alignment scores words"));
  add(only("DATASETS.DISABLE_CLIP_TO_IMAGE", "False", "False", "boxes are clipped to the image"));
  add(only("DATASETS.PROMPT_VERSION", "\"\"", "''", "class names as they are"));
  for (const char* k :
       {"COCO_COPY", "LVIS_COPY", "FLICKR_COPY", "MIXED_COPY", "OBJECT365_COPY", "VG_COPY", "OI_COPY", "IN_COPY"})
    add(only_fn(std::string("DATASETS.") + k, "1", "1",
                "copies of catalog datasets: data.train[].weight; any value when TRAIN is empty", copies_check("1")));
  add(only_fn("DATASETS.GENERAL_COPY", "-1", "-1",
              "copies of catalog datasets: data.train[].weight; any value when TRAIN is empty", copies_check("-1")));
  add(map_fn(
      "DATASETS.FURTHER_SCREEN", "False", "data.caption_conf",
      "pseudo-labelled (caption) data: True screens boxes by CAPTION_CONF; False keeps all (caption_conf 0)",
      [](Ctx& c) { c.put("data.caption_conf", c.value().truthy() ? c.get("DATASETS.CAPTION_CONF") : Py::real(0.0)); }));
  add(map_fn("DATASETS.CAPTION_CONF", "0.9", "data.caption_conf", "with FURTHER_SCREEN True", nullptr));
  add(only_fn("DATASETS.CAPTION_NMS", "0.9", "<= 0", "no NMS of the boxes read; any value when FURTHER_SCREEN is False",
              [](Ctx& c) {
                if (!c.get("DATASETS.FURTHER_SCREEN").truthy()) return;
                if (c.value().is_number() && c.value().num() <= 0) return;
                c.problem(
                    "glip does not NMS pseudo-label boxes when it reads them (glip_pseudolabel's pseudo.nms "
                    "does when it writes them): set it to -1");
              }));
  add(map_fn("DATASETS.CAPTION_MIN_BOX", "1", "data.caption_min_box", "<= 0 -> 1 (the official dataset default)",
             [](Ctx& c) {
               const Py& v = c.value();
               c.put("data.caption_min_box", v.is_number() && v.num() <= 0 ? Py::integer(1) : v);
             }));
  add(to("DATASETS.PACK_RANDOM_CAPTION_NUMBER", "0", "data.pack_random_caption_number",
         "packs the pseudo-format sets (data.train[].pack_captions auto), as the official CaptionTSV"));
  add(to("DATASETS.RANDOM_PACK_PROB", "-1.0", "data.random_pack_prob"));
  add(to("DATASETS.NO_RANDOM_PACK_PROBABILITY", "0.0", "data.no_random_pack_probability"));
  add(to("DATASETS.SAFEGUARD_POSITIVE_CAPTION", "True", "data.safeguard_positive_caption"));
  add(ignored("DATASETS.CAPTION_FORMAT_VERSION", "\"v1\"",
              "the layout of the official caption TSV files; glip reads pseudo-label shards (docs/formats.md)"));
  add(map_fn("DATASETS.OVERRIDE_CATEGORY", "None", "data.override_category",
             "with USE_OVERRIDE_CATEGORY True: the list of {id, name, supercategory}", [](Ctx& c) {
               if (c.get("DATASETS.USE_OVERRIDE_CATEGORY").truthy() && c.value().t != Py::T::kNone)
                 put_dict_list(c, "data.override_category", {"id", "name", "supercategory"});
             }));
  add(map_fn("DATASETS.USE_OVERRIDE_CATEGORY", "False", "data.override_category", "applies OVERRIDE_CATEGORY",
             nullptr));
  add(map_fn("DATASETS.CAPTION_PROMPT", "None", "data.caption_prompt",
             "with USE_CAPTION_PROMPT True: the list of {prefix, name, suffix}", [](Ctx& c) {
               if (c.get("DATASETS.USE_CAPTION_PROMPT").truthy() && c.value().t != Py::T::kNone)
                 put_dict_list(c, "data.caption_prompt", {"prefix", "name", "suffix"});
             }));
  add(map_fn("DATASETS.USE_CAPTION_PROMPT", "False", "data.caption_prompt", "applies CAPTION_PROMPT", nullptr));

  // ---- SOLVER ---------------------------------------------------------------------------------------------------
  add(map_fn("SOLVER.OPTIMIZER", "\"SGD\"", "solver.optimizer", "ADAMW only", [](Ctx& c) {
    if (!is_str(c.value()) || c.value().s != "ADAMW") return c.problem("glip implements the ADAMW optimiser only");
    c.put("solver.optimizer", c.value());
  }));
  add(ignored("SOLVER.MOMENTUM", "0.9", "SGD only"));
  add(to("SOLVER.BASE_LR", "0.001", "solver.base_lr"));
  add(to("SOLVER.LANG_LR", "0.00001", "solver.lang_lr"));
  add(to("SOLVER.BACKBONE_BODY_LR_FACTOR", "1.0", "solver.backbone_body_lr_factor"));
  add(to("SOLVER.BIAS_LR_FACTOR", "2", "solver.bias_lr_factor"));
  add(to("SOLVER.WEIGHT_DECAY", "0.0005", "solver.weight_decay"));
  add(to("SOLVER.WEIGHT_DECAY_BIAS", "0.0", "solver.weight_decay_bias"));
  add(to("SOLVER.WEIGHT_DECAY_NORM_FACTOR", "1.0", "solver.weight_decay_norm_factor"));
  add(to("SOLVER.WEIGHT_DECAY_SCHEDULE", "False", "solver.weight_decay_schedule"));
  add(to("SOLVER.WEIGHT_DECAY_SCHEDULE_RATIO", "0.667", "solver.weight_decay_schedule_ratio"));
  add(to("SOLVER.MAX_ITER", "40000", "solver.max_iter"));
  add(to("SOLVER.MAX_EPOCH", "0", "solver.max_epoch"));
  add(only("SOLVER.MULTI_MAX_ITER", "()", "()", "one training stage"));
  add(only("SOLVER.MULTI_MAX_EPOCH", "()", "()", "one training stage"));
  add(to("SOLVER.IMS_PER_BATCH", "16", "solver.ims_per_batch"));
  add(to("SOLVER.STEPS", "(30000,)", "solver.steps", "values < 1 are fractions of MAX_ITER, as official"));
  add(to("SOLVER.GAMMA", "0.1", "solver.gamma"));
  add(to("SOLVER.WARMUP_FACTOR", "0.3333333333333333", "solver.warmup_factor", "defaults.py: 1.0 / 3"));
  add(to("SOLVER.WARMUP_ITERS", "500", "solver.warmup_iters"));
  add(to("SOLVER.WARMUP_METHOD", "\"linear\"", "solver.warmup_method"));
  add(to("SOLVER.USE_COSINE", "False", "solver.use_cosine"));
  add(to("SOLVER.MIN_LR", "0.000001", "solver.min_lr"));
  add(to("SOLVER.USE_AUTOSTEP", "False", "solver.use_autostep"));
  add(to("SOLVER.STEP_PATIENCE", "5", "solver.step_patience"));
  add(only("SOLVER.AUTO_TERMINATE_PATIENCE", "-1", "-1", "training runs MAX_ITER iterations"));
  add(only("SOLVER.GRAD_CLIP", "0.0", "0.0",
           "the per-element clamp of gradients; glip clips the global norm "
           "(CLIP_GRADIENTS)"));
  add(to("SOLVER.CLIP_GRADIENTS.ENABLED", "False", "solver.clip_gradients.enabled"));
  add(map_fn("SOLVER.CLIP_GRADIENTS.CLIP_VALUE", "0.0", "solver.clip_gradients.clip_value", "when ENABLED", [](Ctx& c) {
    if (c.get("SOLVER.CLIP_GRADIENTS.ENABLED").truthy()) c.put("solver.clip_gradients.clip_value", c.value());
  }));
  add(only("SOLVER.CLIP_GRADIENTS.CLIP_TYPE", "\"full_model\"", "'full_model'", "the global norm of all gradients"));
  add(only("SOLVER.CLIP_GRADIENTS.NORM_TYPE", "2.0", "2.0", "the L2 norm"));
  add(to("SOLVER.MODEL_EMA", "0.0", "solver.model_ema"));
  add(to("SOLVER.USE_AMP", "False", "solver.use_amp", "fp16 autocast with loss scaling, on CUDA"));
  add(to("SOLVER.CHECKPOINT_PERIOD", "2500", "solver.checkpoint_period"));
  add(only("SOLVER.CHECKPOINT_PER_EPOCH", "-1.0", "-1.0", "checkpoints every CHECKPOINT_PERIOD iterations"));
  add(map_fn("SOLVER.TUNING_HIGHLEVEL_OVERRIDE", "None", "solver.tuning_highlevel_override",
             "None -> full; full, linear_prob and language_prompt_v2", [](Ctx& c) {
               const Py& v = c.value();
               if (v.t == Py::T::kNone) return c.put("solver.tuning_highlevel_override", Py::str("full"));
               if (is_str(v) && (v.s == "full" || v.s == "linear_prob" || v.s == "language_prompt_v2"))
                 return c.put("solver.tuning_highlevel_override", v);
               c.problem("glip implements the tuning modes full, linear_prob and language_prompt_v2");
             }));
  add(to("SOLVER.SEED", "0", "seed"));
  add(ignored("SOLVER.FIND_UNUSED_PARAMETERS", "True", "DDP bookkeeping; glip's gradient sync needs no flag"));
  add(ignored("SOLVER.DATASET_LENGTH", "-1", "logging only"));

  // ---- TEST, root -----------------------------------------------------------------------------------------------
  add(map_fn("TEST.DURING_TRAINING", "False", "solver.eval_period",
             "True -> evaluate every SOLVER.CHECKPOINT_PERIOD iterations (and at the end) on eval.datasets; "
             "False -> 0",
             [](Ctx& c) {
               c.put("solver.eval_period", c.value().truthy() ? c.get("SOLVER.CHECKPOINT_PERIOD") : Py::integer(0));
             }));
  add(to("TEST.IMS_PER_BATCH", "16", "test.ims_per_batch"));
  add(to("TEST.CHUNKED_EVALUATION", "-1", "test.chunk_size"));
  add(only("TEST.USE_MULTISCALE", "False", "False", "single-scale testing"));
  add(ignored("TEST.EXPECTED_RESULTS", "[]", "a self-check of the official test script"));
  add(ignored("TEST.EXPECTED_RESULTS_SIGMA_TOL", "4", "a self-check of the official test script"));
  add(map_fn("OUTPUT_DIR", "\"OUTPUT\"", "work_dir", "written only when the file sets it", [](Ctx& c) {
    if (c.is_set()) c.put("work_dir", c.value());
  }));
  add(ignored("TENSORBOARD_EXP", "\"OUTPUT\"", "logging only"));
  return t;
}

}  // namespace

const std::vector<Entry>& table() {
  static const std::vector<Entry> t = build();
  return t;
}

}  // namespace glip::config::official
