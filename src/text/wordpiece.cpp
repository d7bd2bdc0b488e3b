#include "glip/text/wordpiece.h"

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/text/unicode.h"

namespace glip::text {

std::vector<NormalizedWord> bert_pre_tokenize(std::u32string_view text, bool lowercase) {
  // BertNormalizer: each kept or produced code point remembers the original code point it came from.
  std::u32string norm;
  std::vector<int64_t> orig;
  norm.reserve(text.size() + 8);
  orig.reserve(text.size() + 8);
  auto push = [&](char32_t c, int64_t i) {
    norm.push_back(c);
    orig.push_back(i);
  };
  for (size_t k = 0; k < text.size(); ++k) {
    const char32_t c = text[k];
    const auto i = static_cast<int64_t>(k);
    if (c == 0 || c == 0xFFFD || is_control(c)) continue;
    if (is_whitespace(c)) {
      push(U' ', i);
    } else if (is_cjk(c)) {
      push(U' ', i), push(c, i), push(U' ', i);
    } else if (!lowercase) {
      push(c, i);
    } else if (c < 0x80) {
      push((c >= 'A' && c <= 'Z') ? c + 32 : c, i);
    } else {
      for (char32_t d : nfd(c)) {
        if (is_nonspacing_mark(d)) continue;
        for (char32_t l : to_lower(d)) push(l, i);
      }
    }
  }
  // BertPreTokenizer: split on whitespace (removed) and on punctuation (isolated).
  std::vector<NormalizedWord> words;
  NormalizedWord cur;
  auto flush = [&]() {
    if (!cur.chars.empty()) words.push_back(std::move(cur));
    cur = NormalizedWord{};
  };
  for (size_t k = 0; k < norm.size(); ++k) {
    const char32_t c = norm[k];
    if (is_whitespace(c)) {
      flush();
    } else if (is_bert_punctuation(c)) {
      flush();
      cur.chars.push_back(c);
      cur.orig.push_back(orig[k]);
      flush();
    } else {
      cur.chars.push_back(c);
      cur.orig.push_back(orig[k]);
    }
  }
  flush();
  return words;
}

WordPieceTokenizer::WordPieceTokenizer(const std::string& vocab_text, const std::string& source, bool lowercase)
    : lowercase_(lowercase) {
  GLIP_CHECK_INPUT(utf8_valid(vocab_text), "vocabulary '", source, "': not valid UTF-8");
  size_t pos = 0;
  while (pos < vocab_text.size()) {
    size_t nl = vocab_text.find('\n', pos);
    if (nl == std::string::npos) nl = vocab_text.size();
    std::string tok = vocab_text.substr(pos, nl - pos);
    if (!tok.empty() && tok.back() == '\r') tok.pop_back();
    ids_.emplace(tok, static_cast<int64_t>(vocab_.size()));  // first occurrence wins
    vocab_.push_back(std::move(tok));
    pos = nl + 1;
  }
  auto need = [&](const char* t) {
    const int64_t id = token_to_id(t);
    GLIP_CHECK_INPUT(id >= 0, "vocabulary '", source, "': has no '", t, "' token (", vocab_.size(), " lines read)");
    return id;
  };
  pad_id_ = need("[PAD]");
  unk_id_ = need("[UNK]");
  cls_id_ = need("[CLS]");
  sep_id_ = need("[SEP]");
}

WordPieceTokenizer WordPieceTokenizer::from_file(const std::string& path, bool lowercase) {
  return WordPieceTokenizer(read_file(path), path, lowercase);
}

int64_t WordPieceTokenizer::token_to_id(const std::string& token) const {
  const auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

void WordPieceTokenizer::wordpiece(const NormalizedWord& w, Encoding& out) const {
  const size_t n = w.chars.size();
  const Offset whole{w.orig.front(), w.orig.back() + 1};
  auto unk = [&]() {
    out.ids.push_back(unk_id_);
    out.tokens.push_back(vocab_[static_cast<size_t>(unk_id_)]);
    out.offsets.push_back(whole);
    out.special.push_back(0);
  };
  if (n > static_cast<size_t>(kMaxCharsPerWord)) return unk();
  std::vector<std::pair<int64_t, Offset>> pieces;
  std::string sub;
  for (size_t start = 0; start < n;) {
    size_t end = n;
    int64_t found = -1;
    while (start < end) {
      sub = start > 0 ? "##" : "";
      sub += utf8_encode(std::u32string_view(w.chars).substr(start, end - start));
      found = token_to_id(sub);
      if (found >= 0) break;
      --end;
    }
    if (found < 0) return unk();
    pieces.push_back({found, {w.orig[start], w.orig[end - 1] + 1}});
    start = end;
  }
  for (const auto& [id, off] : pieces) {
    out.ids.push_back(id);
    out.tokens.push_back(vocab_[static_cast<size_t>(id)]);
    out.offsets.push_back(off);
    out.special.push_back(0);
  }
}

Encoding WordPieceTokenizer::encode(const std::string& utf8, bool add_special_tokens) const {
  const std::u32string text = utf8_decode(utf8);
  Encoding enc;
  auto special = [&](int64_t id) {
    enc.ids.push_back(id);
    enc.tokens.push_back(vocab_[static_cast<size_t>(id)]);
    enc.offsets.push_back({0, 0});
    enc.special.push_back(1);
  };
  if (add_special_tokens) special(cls_id_);
  for (const auto& w : bert_pre_tokenize(text, lowercase_)) wordpiece(w, enc);
  if (add_special_tokens) special(sep_id_);
  return enc;
}

}  // namespace glip::text
