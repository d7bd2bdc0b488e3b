// The small BERT the modeling tests share (checkpoint, language): fast, and every size different (vocab 50,
// hidden 16, intermediate 24, positions 20, 4 heads) so that a transposed or swapped weight is a shape error.
#pragma once
#include "glip/modeling/language/bert.h"

namespace glip::test {

inline modeling::BertOptions tiny_bert_options() {
  modeling::BertOptions o;
  o.vocab_size = 50;
  o.hidden_size = 16;
  o.num_layers = 2;
  o.num_heads = 4;
  o.intermediate_size = 24;
  o.max_position_embeddings = 20;
  return o;
}

}  // namespace glip::test
