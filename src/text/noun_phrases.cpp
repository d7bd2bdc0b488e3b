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
                 !(t[e] == '\'' && (t[e + 1] == 's' || t[e + 1] == 'S') && (e + 2 >= t.size() || !alnum(t[e + 2])))) {
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
bool is_punct(const std::string& t) {
  return t == "pp" || t == "ppc" || t == "pps" || t == "ppl" || t == "ppr" || t == "sym" || t == "rrb" || t == "lrb";
}
bool is_boundary(const std::string& t) {  // a tag after which a noun phrase may end
  return t.empty() || t == "in" || t == "cc" || t == "to" || is_punct(t);
}
bool is_verb(const std::string& t) { return t.size() >= 2 && t[0] == 'v' && t[1] == 'b'; }
bool is_participle(const std::string& t) { return t == "vbn" || t == "vbd" || t == "vbg"; }
// Tags after which a noun phrase starts: a determiner, number, possessive pronoun or possessive 's.
bool opens_np(const std::string& t) { return is_det(t) || t == "cd" || t == "prps" || t == "pos"; }
bool is_auxiliary(const std::string& lw) {
  static const std::unordered_set<std::string> aux = {"is",  "are",  "was", "were", "be",   "been", "being", "am",
                                                      "'s",  "'re",  "'m",  "has",  "have", "had",  "'ve",   "'d",
                                                      "get", "gets", "got", "do",   "does", "did"};
  return aux.count(lw) > 0;
}

// First word of the run of nouns and adjectives that ends at word `last`.
size_t run_start(const std::vector<TaggedWord>& w, size_t last) {
  size_t b = last;
  while (b > 0 && (is_noun(w[b - 1].tag) || is_adj(w[b - 1].tag))) --b;
  return b;
}
bool singular_det(const std::string& lw) {
  return lw == "a" || lw == "an" || lw == "this" || lw == "that" || lw == "each" || lw == "every" || lw == "another";
}

// Caption-language rules on top of the tagger, before chunking.
void apply_caption_rules(std::vector<TaggedWord>& w) {
  static const std::unordered_set<std::string> relational = {"left",  "right",  "top",  "front", "next",
                                                             "close", "bottom", "back", "side"};
  const size_t n = w.size();
  auto tag_at = [&](size_t i) -> std::string { return i < n ? w[i].tag : std::string(); };
  auto low_at = [&](size_t i) { return i < n ? lower_ascii(w[i].text) : std::string(); };
  for (size_t i = 0; i < n; ++i) {
    const std::string lw = lower_ascii(w[i].text);
    const std::string next = low_at(i + 1);
    const std::string prev_tag = i > 0 ? w[i - 1].tag : "";
    // "left of", "next to", "on top of", "in front of": a relation, not an object (no determiner before it).
    if (relational.count(lw) && (next == "of" || next == "to") && !is_det(prev_tag) && prev_tag != "prps") {
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
    // A base-form verb right after a singular noun of a phrase that a determiner opens cannot agree with it
    // ("a large striped orange ring left of"): a noun; so is any verb reading inside a phrase that a number
    // opens ("two medium yellow crosses left of").
    const size_t rs = i > 0 ? run_start(w, i - 1) : 0;
    const std::string run_opener = rs > 0 && rs < i ? w[rs - 1].tag : "";
    const bool after_singular = p == "nn" && opens_np(run_opener);
    // A verb reading where a noun fits: after a determiner/adjective/number/possessive/conjunction/preposition/
    // punctuation or at the start, before the end of a phrase ("the tracks next to", "a stack of", "pine trees",
    // "and sprinkles", "two crosses", "a dotted orange ring facing").
    if ((t == "vb" || t == "vbp" || t == "vbz" || t == "vbn" || t == "vbd") && has_noun(w[i]) && !is_auxiliary(lw) &&
        (i == 0 || is_det(p) || is_adj(p) || opens_np(p) || p == "cc" || p == "in" || is_punct(p) ||
         (after_singular && (t == "vb" || t == "vbp")) || (run_opener == "cd" && is_noun(p))) &&
        (is_boundary(nx) || is_noun(nx) || nx == "rb" || nx == "rp" || nx == "vbg")) {
      t = has(w[i], "nns") && !has(w[i], "nn") ? "nns"
                                               : (lw.size() > 1 && lw.back() == 's' && has(w[i], "nns") ? "nns" : "nn");
      continue;
    }
    // A verb after the subject noun ("a man skiing down", "a boat docked at", "a cyclist rides past").
    if (is_noun(p) && (is_noun(t) || is_adj(t))) {
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
      // A plural noun after a singular one is a verb when a determiner opens the phrase ("the crowd cheers
      // as", "a man in a tuxedo dances with"; not the bare compounds "wedding rings on", "hot air balloons
      // over"); after "a"/"this"/... also before the end or a participle ("a street performer juggles flaming").
      if (t == "nns" && has(w[i], "vbz") && (p == "nn" || p == "nnp")) {
        const size_t b = run_start(w, i - 1);
        const std::string opener = b > 0 ? w[b - 1].tag : "";
        const bool one = b > 0 && is_det(opener) && singular_det(lower_ascii(w[b - 1].text));
        if ((is_det(opener) || opener == "prps" || opener == "pos") &&
            (nx == "det" || nx == "prps" || nx == "in" || nx == "rp" || is_noun(nx) ||
             (one && (is_boundary(nx) || is_participle(nx) || is_adj(nx))))) {
          t = "vbz";
          continue;
        }
      }
    }
  }
  // Participles and gerunds before an adjective/noun are modifiers when a phrase can start there: after a
  // determiner/adjective/number/possessive/preposition/punctuation or at the start ("a dotted green heart",
  // "of running shoes", "two striped crosses", "her dyed hair", "Parked cars along"), after a conjunction
  // (past participles: "and sliced tomatoes") or a verb that is not an auxiliary ("juggles flaming torches",
  // not "is eating pizza"). A noun that can be an adjective between such a start and a participle is one
  // too ("a medium striped heart"). Right to left so chains work.
  for (size_t i = n; i-- > 0;) {
    const std::string& t = w[i].tag;
    if (!is_participle(t) || i + 1 >= n) continue;
    const std::string& nx = w[i + 1].tag;
    if (!(is_adj(nx) || is_noun(nx))) continue;
    const std::string p = i > 0 ? w[i - 1].tag : "";
    const std::string pp = i > 1 ? w[i - 2].tag : "";
    const bool past = t != "vbg";
    const bool finite_verb = p == "vbz" || p == "vbp" || p == "vbd";
    bool modifier = i == 0 || is_punct(p) || is_det(p) || is_adj(p) || opens_np(p) || p == "in" ||
                    (p == "cc" && past) || (is_verb(p) && !is_auxiliary(low_at(i - 1)) && (past || finite_verb));
    if (!modifier && p == "nn" && w[i - 1].known && has(w[i - 1], "jj") &&
        (i == 1 || opens_np(pp) || is_adj(pp) || is_punct(pp))) {
      w[i - 1].tag = "jj";
      modifier = true;
    }
    if (modifier) w[i].tag = "jj";
  }
  // A noun that can be an adjective, after a determiner/number/possessive/adjective and before adjectives and a
  // noun, is an adjective ("four medium green circles").
  for (size_t i = 1; i + 2 < n; ++i) {
    if (w[i].tag != "nn" || !w[i].known || !has(w[i], "jj") || !is_adj(w[i + 1].tag)) continue;
    if (!(opens_np(w[i - 1].tag) || is_adj(w[i - 1].tag))) continue;
    size_t k = i + 1;
    while (k < n && is_adj(w[k].tag)) ++k;
    if (k < n && is_noun(w[k].tag)) w[i].tag = "jj";
  }
  // An adjective that ends a phrase after a determiner or preposition is a noun ("a close-up of", "the
  // left", "with pink frosting and", "a striped cyan square right of"), and so is a lone word with a noun
  // reading between punctuation marks ("Coffee Mug - 12 oz - White").
  for (size_t i = 0; i < n; ++i) {
    if (!is_adj(w[i].tag)) continue;
    if (i + 1 < n && (is_adj(w[i + 1].tag) || is_noun(w[i + 1].tag))) continue;
    size_t b = i;  // back over adjectives and nouns that can be adjectives ("striped", "cyan")
    while (b > 0 && (is_adj(w[b - 1].tag) || (is_noun(w[b - 1].tag) && has(w[b - 1], "jj")))) --b;
    const std::string before = b > 0 ? w[b - 1].tag : "";
    const std::string next = low_at(i + 1);
    const bool np_slot = i + 1 == n || next == "of" || next == "with" || next == "." || next == "," || next == "in" ||
                         next == "on" || next == "and" || next == "|" || next == "-" || tag_at(i + 1) == "in";
    const bool opener = is_det(before) || (b == 0 && next == "of") || (before == "in" && i > b);
    const bool lone =
        b == i && (b == 0 || is_punct(before)) && (i + 1 == n || is_punct(tag_at(i + 1))) && has_noun(w[i]);
    if ((opener && np_slot) || lone) w[i].tag = "nn";
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
