#include "glip/text/tokenizer.h"

#include "glip/core/error.h"
#include "glip/text/sentencepiece.h"
#include "glip/text/text_batch.h"
#include "glip/text/wordpiece.h"

namespace glip::text {

namespace detail {
std::string_view embedded_bert_vocab();
}

std::optional<int64_t> Encoding::char_to_token(int64_t char_index) const {
  for (size_t t = 0; t < ids.size(); ++t) {
    if (special[t]) continue;
    if (offsets[t].first <= char_index && char_index < offsets[t].second) return static_cast<int64_t>(t);
  }
  return std::nullopt;
}

std::vector<std::string> Tokenizer::tokenize(const std::string& utf8) const { return encode(utf8, false).tokens; }

WordPieceTokenizer WordPieceTokenizer::bert_base_uncased() {
  return WordPieceTokenizer(std::string(detail::embedded_bert_vocab()), "<embedded bert-base-uncased>", true);
}

std::shared_ptr<const Tokenizer> make_tokenizer(const TokenizerConfig& cfg) {
  if (cfg.type == "bert-base-uncased" || cfg.type == "wordpiece") {
    if (cfg.vocab_file.empty()) {
      static const auto embedded = std::make_shared<const WordPieceTokenizer>(WordPieceTokenizer::bert_base_uncased());
      if (cfg.lowercase) return embedded;
      return std::make_shared<const WordPieceTokenizer>(std::string(detail::embedded_bert_vocab()),
                                                        "<embedded bert-base-uncased>", false);
    }
    return std::make_shared<const WordPieceTokenizer>(WordPieceTokenizer::from_file(cfg.vocab_file, cfg.lowercase));
  }
  if (cfg.type == "sentencepiece") {
    GLIP_CHECK_INPUT(!cfg.spm_model.empty(), "tokenizer: type 'sentencepiece' needs a model file (spm_model)");
    return std::make_shared<const SentencePieceTokenizer>(cfg.spm_model);
  }
  throw InputError(str_cat("tokenizer: unknown type '", cfg.type,
                           "' (expected 'bert-base-uncased', 'wordpiece' or 'sentencepiece')"));
}

Encoding truncate_and_pad(const Encoding& enc, int64_t max_len, bool pad, int64_t pad_id,
                          const std::string& pad_token) {
  GLIP_CHECK_INPUT(max_len >= 2, "max_query_len must be at least 2, got ", max_len);
  Encoding out = enc;
  const auto n = static_cast<int64_t>(enc.size());
  if (n > max_len) {
    const bool keep_last = enc.special.back() != 0;
    const size_t cut = static_cast<size_t>(keep_last ? max_len - 1 : max_len);
    out.ids.resize(cut), out.tokens.resize(cut), out.offsets.resize(cut), out.special.resize(cut);
    if (keep_last) {
      out.ids.push_back(enc.ids.back());
      out.tokens.push_back(enc.tokens.back());
      out.offsets.push_back(enc.offsets.back());
      out.special.push_back(1);
    }
  }
  if (pad) {
    while (static_cast<int64_t>(out.size()) < max_len) {
      out.ids.push_back(pad_id);
      out.tokens.push_back(pad_token);
      out.offsets.push_back({0, 0});
      out.special.push_back(1);
    }
  }
  return out;
}

TextBatch encode_batch(const Tokenizer& tok, const std::vector<std::string>& texts, int64_t max_len,
                       std::vector<Encoding>* encodings) {
  const auto B = static_cast<int64_t>(texts.size());
  TextBatch batch;
  batch.input_ids = at::full({B, max_len}, tok.pad_id(), at::kLong);
  batch.attention_mask = at::zeros({B, max_len}, at::kLong);
  batch.token_type_ids = at::zeros({B, max_len}, at::kLong);
  auto ids = batch.input_ids.accessor<int64_t, 2>();
  auto mask = batch.attention_mask.accessor<int64_t, 2>();
  if (encodings) encodings->clear();
  for (int64_t b = 0; b < B; ++b) {
    Encoding e = truncate_and_pad(tok.encode(texts[static_cast<size_t>(b)], true), max_len, false, tok.pad_id(),
                                  tok.pad_token());
    for (size_t t = 0; t < e.size(); ++t) {
      ids[b][static_cast<int64_t>(t)] = e.ids[t];
      mask[b][static_cast<int64_t>(t)] = 1;
    }
    if (encodings) encodings->push_back(std::move(e));
  }
  return batch;
}

}  // namespace glip::text
