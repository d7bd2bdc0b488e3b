/**
 * The data types that cross area boundaries: what the data pipeline produces, the model consumes and the
 * post-processor returns. Shapes use B = batch, T = max_query_len (256 for the official models), N = boxes.
 */
#pragma once
#include <ATen/ATen.h>

#include <array>
#include <map>
#include <string>
#include <vector>

namespace glip {

/** Images after the transforms: normalised BGR, zero-padded bottom/right to a multiple of 32. */
struct ImageBatch {
  at::Tensor images;                                ///< [B, 3, H, W] float
  std::vector<std::array<int64_t, 2>> image_sizes;  ///< (h, w) of each image inside the padded batch
};

/** Tokenised prompts, one per image (a different caption per image is allowed). */
struct TextBatch {
  at::Tensor input_ids;       ///< [B, T] int64
  at::Tensor attention_mask;  ///< [B, T] int64, 1 for real tokens ([CLS]/[SEP] included), 0 for padding
  at::Tensor token_type_ids;  ///< [B, T] int64 (zeros)
};

/** Ground truth of one image for training, in the frame of its resized image (pixels, xyxy). */
struct GroundingTarget {
  at::Tensor boxes;         ///< [N, 4] float, xyxy
  at::Tensor positive_map;  ///< [N, T] float: each row normalised over the tokens of its phrase
  at::Tensor labels;        ///< [N] int64: 1-based label (category id or phrase index)
  /**
   * Optional [T] bool: tokens without a target in this image (data.pseudo_unboxed = ignore), left out of the token
   * loss as padding is; undefined: every token of the caption has one.
   */
  at::Tensor ignored_tokens;
};

/** Label -> token indices, e.g. {1: [1, 2], 2: [4]} (the official positive_map_label_to_token). */
using LabelToTokens = std::map<int64_t, std::vector<int64_t>>;

/** Detections of one image. */
struct Detections {
  at::Tensor boxes;   ///< [n, 4] float, xyxy
  at::Tensor scores;  ///< [n] float
  at::Tensor labels;  ///< [n] int64, 1-based labels as in LabelToTokens
};

}  // namespace glip
