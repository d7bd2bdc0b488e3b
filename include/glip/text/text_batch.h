/** Batching tokenised prompts into glip::TextBatch: truncation, padding to max_query_len, masks. */
#pragma once
#include <string>
#include <vector>

#include "glip/structures/batch.h"
#include "glip/text/tokenizer.h"

namespace glip::text {

/**
 * Encodes each text with specials, truncates to `max_len` (the last [SEP] kept) and pads to exactly
 * `max_len` (HF padding="max_length", truncation=True): input_ids [B, max_len], attention_mask 1 on real
 * tokens ([CLS]/[SEP] included), token_type_ids zeros. The per-text encodings (after truncation, before
 * padding) are returned in `encodings` when non-null, for char_to_token lookups.
 */
TextBatch encode_batch(const Tokenizer& tok, const std::vector<std::string>& texts, int64_t max_len = 256,
                       std::vector<Encoding>* encodings = nullptr);

}  // namespace glip::text
