/**
 * Training modes of tools/finetune.py (tuning_highlevel_override) and frozen backbone stages
 * (MODEL.BACKBONE.FREEZE_CONV_BODY_AT), applied by setting requires_grad on named parameters.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <string>
#include <utility>
#include <vector>

namespace glip::engine {

/**
 * Sets requires_grad for `mode`:
 *  - "full": everything trains (then frozen stages apply);
 *  - "linear_prob": backbone, FPN and language backbone frozen; in "rpn." only names containing bbox_pred,
 *    cls_logits, centerness, cosine_scale, dot_product_projection_text, head.log_scale, head.bias_lang or
 *    head.bias0 train;
 *  - "language_prompt_v2": only "rpn.*tunable_linear*" trains (prompt tuning).
 * `freeze_conv_body_at` >= 0 freezes the first stages of "backbone.body" as the official Swin/ResNet code:
 * Swin: >= 0 patch_embed, >= 1 absolute_pos_embed, >= 2 layers.0 .. layers.(at-2);
 * ResNet: stem and layer1 .. layer(at-1).
 * Returns the number of trainable parameter tensors; throws InputError when none is left.
 */
int64_t apply_training_mode(const std::vector<std::pair<std::string, at::Tensor>>& named_params,
                            const std::string& mode, int64_t freeze_conv_body_at);

/**
 * The submodules that `mode` and `freeze_conv_body_at` freeze, by name, as the official
 * GeneralizedVLRCNN.train() and the backbones' _freeze_stages put them in eval mode (no dropout, drop-path or
 * DropBlock, frozen statistics): linear_prob: backbone.body, backbone.fpn, language_backbone (MODEL.BACKBONE /
 * FPN / LANGUAGE_BACKBONE.FREEZE); language_prompt_v2: those and rpn.head (MODEL.RPN.FREEZE); frozen stages:
 * Swin patch_embed and layers.0 .. layers.(at-2), ResNet stem and layer1 .. layer(at-1).
 */
std::vector<std::string> frozen_modules(const std::string& mode, int64_t freeze_conv_body_at);

/** Puts the frozen_modules() of `model` (by their names in model.named_modules()) in eval mode; returns how many
 *  were found. Call after model.train(). */
int64_t set_frozen_modules_eval(torch::nn::Module& model, const std::string& mode, int64_t freeze_conv_body_at);

}  // namespace glip::engine
