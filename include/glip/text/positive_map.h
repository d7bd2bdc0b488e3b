/**
 * Character spans -> token positive maps (official create_positive_map / create_positive_dict), with the
 * official fallbacks when a span edge falls on no token: start tries +1 then +2, end-1 tries end-2 then
 * end-3; a span with no start or end token is skipped.
 */
#pragma once
#include <ATen/ATen.h>

#include <optional>
#include <utility>
#include <vector>

#include "glip/structures/batch.h"
#include "glip/text/tokenizer.h"

namespace glip::text {

/** Width of the token axis of the official models; the last index is the "no object" token. */
constexpr int64_t kMaxQueryLen = 256;
constexpr int64_t kNoObjectToken = kMaxQueryLen - 1;

/** First and last token index of a span after the fallbacks, or nullopt when it is skipped. */
std::optional<std::pair<int64_t, int64_t>> span_to_tokens(const Encoding& enc, const Offset& span);

/**
 * [rows, width] float map: row j has ones on the tokens of every span of spans[j] (tokens at or beyond
 * `width` are dropped). `normalize`: rows divided by (row sum + 1e-6) as the official inference/data code;
 * otherwise binary (the training targets).
 */
at::Tensor create_positive_map(const Encoding& enc, const std::vector<std::vector<Offset>>& spans,
                               bool normalize = true, int64_t width = kMaxQueryLen);

/** Binarised copy of a positive map (> 0 -> 1), as the loss uses it. */
at::Tensor binarize_positive_map(const at::Tensor& positive_map);

/** The target row of an anchor matched to no box: zeros with 1 at index width-1 ("no object"). */
at::Tensor no_object_row(int64_t width = kMaxQueryLen);

/** create_positive_map_label_to_token_from_positive_map: row i -> label i + plus -> nonzero tokens. */
LabelToTokens label_to_tokens_from_positive_map(const at::Tensor& positive_map, int64_t plus = 1);

/**
 * create_positive_dict: labels[j] -> tokens of spans[j] (labels whose spans all fail are absent);
 * `token_to_label` (optional) receives token -> label (later spans overwrite).
 */
LabelToTokens label_to_tokens_from_spans(const Encoding& enc, const std::vector<std::vector<Offset>>& spans,
                                         const std::vector<int64_t>& labels,
                                         std::map<int64_t, int64_t>* token_to_label = nullptr);

}  // namespace glip::text
