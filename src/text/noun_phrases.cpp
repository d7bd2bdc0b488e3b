#include "glip/text/noun_phrases.h"

#include <algorithm>
#include <unordered_set>

#include "glip/core/error.h"
#include "glip/text/unicode.h"

namespace glip::text {

namespace detail {

// Words: runs of letters/digits (internal hyphens, periods between letters and apostrophes kept), clitics
// 's 're 've 'll 'd 'm n't split off as in the Penn Treebank, every other non-space character alone.
std::vector<TaggedWord> split_caption_words(const std::string& utf8) {
  const std::u32string t = utf8_decode(utf8, "caption");
  auto alnum = [](char32_t c) { return is_letter(c) || is_digit(c); };
  std::vector<TaggedWord> out;
  auto emit = [&](size_t b, size_t e) {
    TaggedWord w;
    w.text = utf8_encode(std::u32string_view(t).substr(b, e - b));
    w.span = {static_cast<int64_t>(b), static_cast<int64_t>(e)};
    out.push_back(std::move(w));
  };
  size_t i = 0;
  while (i < t.size()) {
    const char32_t c = t[i];
    if (is_whitespace(c) || is_control(c)) {
      ++i;
      continue;
    }
    if (!alnum(c)) {
      // A clitic after a word: 's 're ...
      if ((c == '\'' || c == U'\u2019') && !out.empty() && out.back().span.second == static_cast<int64_t>(i) &&
          i + 1 < t.size() && is_letter(t[i + 1])) {
        size_t e = i + 1;
        while (e < t.size() && is_letter(t[e])) ++e;
        const std::string cl = utf8_encode(std::u32string_view(t).substr(i + 1, e - i - 1));
        static const std::unordered_set<std::string> clitics = {"s", "S", "re", "ve", "ll", "d", "m"};
        if (clitics.count(cl)) {
          emit(i, e);
          i = e;
          continue;
        }
      }
      emit(i, i + 1);
      ++i;
      continue;
    }
    size_t e = i;
    while (e < t.size()) {
      if (alnum(t[e])) {
        ++e;
      } else if ((t[e] == '-' || t[e] == '.' || t[e] == '\'') && e + 1 < t.size() && alnum(t[e + 1]) &&
                 !(t[e] == '\'' && (t[e + 1] == 's' || t[e + 1] == 'S') &&
                   (e + 2 >= t.size() || !alnum(t[e + 2])))) {
        if (t[e] == '.' && !(is_letter(t[e - 1]) && is_letter(t[e + 1]))) break;
        e += 2;
      } else {
        break;
      }
    }
    // "n't" split off ("don't" -> "do" "n't").
    if (e - i > 3 && t[e - 1] == 't' && t[e - 2] == '\'' && (t[e - 3] == 'n' || t[e - 3] == 'N')) {
      emit(i, e - 3);
      emit(e - 3, e);
    } else {
      emit(i, e);
    }
    i = e;
  }
  return out;
}

}  // namespace detail

namespace {

bool is_noun(const std::string& t) { return t == "nn" || t == "nns" || t == "nnp" || t == "nnps"; }
bool is_adj(const std::string& t) { return t == "jj" || t == "jjr" || t == "jjs"; }
bool is_det(const std::string& t) { return t == "det"; }

std::string lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return s;
}

bool has(const TaggedWord& w, const char* tag) {
  return std::find(w.candidates.begin(), w.candidates.end(), tag) != w.candidates.end();
}
bool has_noun(const TaggedWord& w) { return has(w, "nn") || has(w, "nns"); }
bool is_boundary(const std::string& t) {  // a tag after which a noun phrase may end
  return t.empty() || t == "in" || t == "pp" || t == "ppc" || t == "pps" || t == "cc" || t == "to" ||
         t == "ppl" || t == "ppr" || t == "sym" || t == "rrb" || t == "lrb";
}

// Caption-language rules on top of the tagger, before chunking.
void apply_caption_rules(std::vector<TaggedWord>& w) {
  static const std::unordered_set<std::string> relational = {"left", "right", "top", "front", "next", "close",
                                                             "bottom", "back", "side"};
  const size_t n = w.size();
  auto tag_at = [&](size_t i) -> std::string { return i < n ? w[i].tag : std::string(); };
  auto low_at = [&](size_t i) { return i < n ? lower_ascii(w[i].text) : std::string(); };
  for (size_t i = 0; i < n; ++i) {
    const std::string lw = lower_ascii(w[i].text);
    const std::string next = low_at(i + 1);
    const std::string prev_tag = i > 0 ? w[i - 1].tag : "";
    // "left of", "next to", "on top of", "in front of": a relation, not an object (no determiner before it).
    if (relational.count(lw) && (next == "of" || next == "to") && !is_det(prev_tag) &&
        prev_tag != "prps") {
      w[i].tag = "in";
    } else if (lw == "close" && next == "up") {  // "a close up of"
      w[i].tag = "nn", w[i + 1].tag = "nn";
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string p = i > 0 ? w[i - 1].tag : "";
    const std::string nx = tag_at(i + 1);
    std::string& t = w[i].tag;
    const std::string lw = lower_ascii(w[i].text);
    // A verb reading where a noun fits: after a determiner/adjective/conjunction/preposition or at the start,
    // before the end of a phrase ("the tracks next to", "a stack of", "pine trees", "and sprinkles").
    if ((t == "vb" || t == "vbp" || t == "vbz" || t == "vbn" || t == "vbd") && has_noun(w[i]) &&
        (i == 0 || is_det(p) || is_adj(p) || p == "cc" || p == "in") &&
        (is_boundary(nx) || is_noun(nx) || nx == "rb" || nx == "rp")) {
      t = has(w[i], "nns") && !has(w[i], "nn") ? "nns" : (lw.size() > 1 && lw.back() == 's' && has(w[i], "nns") ? "nns" : "nn");
      continue;
    }
    // A verb after the subject noun ("a man skiing down", "a boat docked at", "a cyclist rides past").
    if (is_noun(p) && (is_noun(t) || is_adj(t)) && i + 0 < n) {
      const bool ends_ing = lw.size() > 4 && lw.compare(lw.size() - 3, 3, "ing") == 0;
      const bool ends_ed = lw.size() > 3 && lw.compare(lw.size() - 2, 2, "ed") == 0;
      const bool verb_next = nx == "in" || nx == "rp" || nx == "det" || nx == "prps" || nx == "to" || nx == "rb" ||
                             nx.empty() || nx == "pp";
      if (verb_next && ends_ing && (has(w[i], "vbg") || !has_noun(w[i]) || t == "nn")) {
        t = "vbg";
        continue;
      }
      if (verb_next && ends_ed && (has(w[i], "vbn") || has(w[i], "vbd") || t == "nn")) {
        t = "vbn";
        continue;
      }
      if (t == "nns" && has(w[i], "vbz") && (p == "nn" || p == "nnp") && i >= 1 &&
          (i < 2 || is_det(w[i - 2].tag) || is_adj(w[i - 2].tag) || i == 1) &&
          (nx == "det" || nx == "prps" || nx == "in" || nx == "rp" || is_noun(nx))) {
        t = "vbz";
        continue;
      }
    }
  }
  // Participles and gerunds between a determiner/adjective/preposition and an adjective/noun are modifiers
  // ("a dotted green heart", "a striped ring", "of running shoes"). Right to left so chains work.
  for (size_t i = n; i-- > 0;) {
    const std::string& t = w[i].tag;
    if (!(t == "vbn" || t == "vbd" || t == "vbg")) continue;
    if (i == 0 || i + 1 >= n) continue;
    const std::string& p = w[i - 1].tag;
    const std::string& nx = w[i + 1].tag;
    if ((is_det(p) || is_adj(p) || (p == "in" && t == "vbg")) && (is_adj(nx) || is_noun(nx))) w[i].tag = "jj";
  }
  // An adjective that ends a phrase after a determiner or preposition is a noun ("a close-up of", "the
  // left", "with pink frosting and").
  for (size_t i = 0; i < n; ++i) {
    if (!is_adj(w[i].tag)) continue;
    if (i + 1 < n && (is_adj(w[i + 1].tag) || is_noun(w[i + 1].tag))) continue;
    size_t b = i;
    while (b > 0 && is_adj(w[b - 1].tag)) --b;
    const std::string before = b > 0 ? w[b - 1].tag : "";
    const std::string next = low_at(i + 1);
    const bool np_slot = i + 1 == n || next == "of" || next == "with" || next == "." || next == "," ||
                         next == "in" || next == "on" || next == "and" || next == "|" || next == "-";
    const bool opener = is_det(before) || (b == 0 && next == "of") || (before == "in" && i > b);
    if (opener && np_slot) w[i].tag = "nn";
  }
}

}  // namespace

std::vector<std::pair<size_t, size_t>> chunk_noun_phrases(const std::vector<std::string>& tags) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t i = 0;
  while (i < tags.size()) {
    size_t j = i;
    if (is_det(tags[j])) ++j;
    while (j < tags.size() && is_adj(tags[j])) ++j;
    size_t k = j;
    while (k < tags.size() && is_noun(tags[k])) ++k;
    if (k > j) {
      out.emplace_back(i, k);
      i = k;
    } else {
      ++i;
    }
  }
  return out;
}

std::pair<std::string, std::vector<Offset>> parse_bracketed_phrases(const std::string& line) {
  std::u32string cap;
  std::vector<Offset> spans;
  int64_t open = -1;
  for (char32_t c : utf8_decode(line, "labelled caption")) {
    if (c == '[') {
      GLIP_CHECK_INPUT(open < 0, "labelled caption '", line, "': nested '['");
      open = static_cast<int64_t>(cap.size());
    } else if (c == ']') {
      GLIP_CHECK_INPUT(open >= 0, "labelled caption '", line, "': ']' without '['");
      spans.push_back({open, static_cast<int64_t>(cap.size())});
      open = -1;
    } else {
      cap.push_back(c);
    }
  }
  GLIP_CHECK_INPUT(open < 0, "labelled caption '", line, "': unclosed '['");
  return {utf8_encode(cap), spans};
}

NounPhraseExtractor::NounPhraseExtractor(const std::string& tagger_dir) : tagger_(tagger_dir) {}

std::vector<Offset> NounPhraseExtractor::extract(const std::string& utf8) const {
  std::vector<TaggedWord> words = tagger_.tag(utf8);
  apply_caption_rules(words);
  std::vector<std::string> tags;
  tags.reserve(words.size());
  for (const auto& w : words) tags.push_back(w.tag);
  std::vector<Offset> spans;
  for (const auto& [b, e] : chunk_noun_phrases(tags)) spans.push_back({words[b].span.first, words[e - 1].span.second});
  return spans;
}

}  // namespace glip::text
