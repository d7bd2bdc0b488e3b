/**
 * Training modes of tools/finetune.py (tuning_highlevel_override) and frozen backbone stages
 * (MODEL.BACKBONE.FREEZE_CONV_BODY_AT), applied by setting requires_grad on named parameters.
 */
#pragma once
#include <ATen/ATen.h>

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

}  // namespace glip::engine
