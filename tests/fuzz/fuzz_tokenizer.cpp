// The BERT WordPiece tokenizer (the embedded bert-base-uncased vocabulary) on arbitrary caption bytes, with and
// without special tokens, and the HF char_to_token lookup over the result.
#include <memory>

#include "fuzz_common.h"
#include "glip/text/tokenizer.h"

GLIP_FUZZ_TARGET(tokenizer) {
  static const std::shared_ptr<const glip::text::Tokenizer> tok = glip::text::make_tokenizer();
  const std::string input = glip::fuzz::bytes(data, size);
  glip::fuzz::expect_input_error_or_success([&] {
    const glip::text::Encoding e = tok->encode(input, true);
    for (int64_t c = -1; c <= static_cast<int64_t>(input.size()); ++c) e.char_to_token(c);
    tok->encode(input, false);
  });
  return 0;
}
