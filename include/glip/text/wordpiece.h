/** BERT WordPiece tokenizer, bit-exact with HF BertTokenizerFast (BertNormalizer + BertPreTokenizer). */
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "glip/text/tokenizer.h"

namespace glip::text {

/** A word after BERT normalisation and pre-tokenisation, with its original code-point span. */
struct NormalizedWord {
  std::u32string chars;       ///< normalised code points
  std::vector<int64_t> orig;  ///< original code-point index of each normalised code point
};

/**
 * BertNormalizer(clean_text, handle_chinese_chars, strip_accents = lowercase, lowercase) followed by
 * BertPreTokenizer (split on whitespace, punctuation isolated).
 */
std::vector<NormalizedWord> bert_pre_tokenize(std::u32string_view text, bool lowercase);

class WordPieceTokenizer : public Tokenizer {
 public:
  /** Reads a vocabulary, one token a line (line number = id). Throws glip::InputError naming the file. */
  static WordPieceTokenizer from_file(const std::string& path, bool lowercase = true);
  /** The embedded bert-base-uncased vocabulary (third_party/bert). */
  static WordPieceTokenizer bert_base_uncased();
  WordPieceTokenizer(const std::string& vocab_text, const std::string& source, bool lowercase);

  Encoding encode(const std::string& utf8, bool add_special_tokens = true) const override;
  int64_t pad_id() const override { return pad_id_; }
  int64_t cls_id() const override { return cls_id_; }
  int64_t sep_id() const override { return sep_id_; }
  int64_t vocab_size() const override { return static_cast<int64_t>(vocab_.size()); }
  std::string pad_token() const override { return "[PAD]"; }
  int64_t token_to_id(const std::string& token) const;  ///< -1 when absent
  const std::string& id_to_token(int64_t id) const { return vocab_.at(static_cast<size_t>(id)); }

  static constexpr int kMaxCharsPerWord = 100;

 private:
  void wordpiece(const NormalizedWord& w, Encoding& out) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int64_t> ids_;
  int64_t pad_id_ = 0, unk_id_ = 100, cls_id_ = 101, sep_id_ = 102;
  bool lowercase_ = true;
};

}  // namespace glip::text
