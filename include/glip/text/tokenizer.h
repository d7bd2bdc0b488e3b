/**
 * Tokenizers behind one interface: BERT WordPiece (bit-exact with HF BertTokenizerFast, bert-base-uncased)
 * and SentencePiece. Offsets are [start, end) in Unicode code points of the original text; special tokens
 * ([CLS], [SEP], padding) have offset (0, 0) and map to no character.
 */
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace glip::text {

using Offset = std::pair<int64_t, int64_t>;

/** One encoded text. */
struct Encoding {
  std::vector<int64_t> ids;
  std::vector<std::string> tokens;
  std::vector<Offset> offsets;
  std::vector<uint8_t> special;  ///< 1 for [CLS]/[SEP]/padding (they belong to no character)

  size_t size() const { return ids.size(); }
  /**
   * Index of the token that covers code point `char_index` (HF char_to_token): the first non-special
   * token with start <= char_index < end, or nullopt (whitespace, removed characters, out of range).
   */
  std::optional<int64_t> char_to_token(int64_t char_index) const;
};

/** The abstract tokenizer. Implementations are immutable after construction and thread-safe. */
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  /** Encodes `utf8` (throws glip::InputError on invalid UTF-8); with specials: [CLS] ... [SEP]. */
  virtual Encoding encode(const std::string& utf8, bool add_special_tokens = true) const = 0;
  /** Token strings without special tokens (HF tokenizer.tokenize). */
  std::vector<std::string> tokenize(const std::string& utf8) const;
  /** Number of tokens without special tokens. */
  int64_t count_tokens(const std::string& utf8) const { return static_cast<int64_t>(encode(utf8, false).size()); }

  virtual int64_t pad_id() const = 0;
  virtual int64_t cls_id() const = 0;  ///< start token, or -1 when the model has none
  virtual int64_t sep_id() const = 0;  ///< end token, or -1 when the model has none
  virtual int64_t vocab_size() const = 0;
  virtual std::string pad_token() const = 0;
};

/** Which tokenizer to build (the language backbone config). */
struct TokenizerConfig {
  std::string type = "bert-base-uncased";  ///< "bert-base-uncased" / "wordpiece" or "sentencepiece"
  std::string vocab_file;                  ///< WordPiece vocab; empty = the embedded bert-base-uncased one
  std::string spm_model;                   ///< SentencePiece .model file (type "sentencepiece")
  bool lowercase = true;                   ///< WordPiece: lowercase + strip accents (uncased models)
};

/** Builds the configured tokenizer; glip::InputError on an unknown type or unreadable file. */
std::shared_ptr<const Tokenizer> make_tokenizer(const TokenizerConfig& cfg = {});

/**
 * Truncates an encoding with specials to at most `max_len` tokens (HF truncation=True: the last token
 * is kept when it is special) and pads it to exactly `max_len` when `pad` is set.
 */
Encoding truncate_and_pad(const Encoding& enc, int64_t max_len, bool pad, int64_t pad_id, const std::string& pad_token);

}  // namespace glip::text
