// The embedded bert-base-uncased WordPiece tokenizer, built once per test executable.
#pragma once

#include "glip/text/wordpiece.h"

namespace glip::text::test_support {

inline const WordPieceTokenizer& bert() {
  static const WordPieceTokenizer tok = WordPieceTokenizer::bert_base_uncased();
  return tok;
}

}  // namespace glip::text::test_support
