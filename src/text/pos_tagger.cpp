// Bigram HMM part-of-speech tagger over the Lingua::EN::Tagger lexicon (Debian liblingua-en-tagger-perl):
// words.yml / unknown.yml hold per-word tag counts from the Penn Treebank, tags.yml P(tag | previous tag).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <unordered_map>

#include "glip/core/error.h"
#include "glip/core/strings.h"
#include "glip/text/noun_phrases.h"
#include "glip/text/unicode.h"

#ifndef GLIP_TAGGER_DIR
#define GLIP_TAGGER_DIR "/usr/share/perl5/Lingua/EN/Tagger"
#endif

namespace glip::text {

std::string default_tagger_dir() {
  const char* env = std::getenv("GLIP_TAGGER_DIR");
  return (env && *env) ? env : GLIP_TAGGER_DIR;
}

namespace {

using Counts = std::vector<std::pair<int, double>>;  // (tag index, count or probability)
using RawLexicon = std::unordered_map<std::string, std::vector<std::pair<std::string, double>>>;

// Lines `"key": { tag: value, tag: value }` (the Lingua loader's format).
template <typename F>
void read_yaml_map(const std::string& path, F&& on_entry) {
  std::ifstream in(path);
  GLIP_CHECK_INPUT(in.good(), "POS tagger lexicon '", path,
                   "': cannot be read (install Debian package liblingua-en-tagger-perl or set GLIP_TAGGER_DIR)");
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    const size_t brace = line.find(": { ");
    if (brace == std::string::npos || line.back() != '}') continue;
    std::string key = line.substr(0, brace);
    if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
    std::vector<std::pair<std::string, double>> vals;
    const std::string body = line.substr(brace + 4, line.size() - brace - 6);
    size_t p = 0;
    while (p < body.size()) {
      size_t colon = body.find(": ", p);
      if (colon == std::string::npos) break;
      size_t comma = body.find(", ", colon);
      if (comma == std::string::npos) comma = body.size();
      vals.emplace_back(body.substr(p, colon - p), std::atof(body.substr(colon + 2, comma - colon - 2).c_str()));
      p = comma + 2;
    }
    on_entry(key, vals);
    ++n;
  }
  GLIP_CHECK_INPUT(n > 0, "POS tagger lexicon '", path, "': no entries");
}

}  // namespace

struct PosTagger::Impl {
  std::vector<std::string> tags;
  std::unordered_map<std::string, int> tag_index;
  std::unordered_map<std::string, Counts> lexicon;  // word -> log P(word | tag) up to a constant
  std::vector<std::vector<double>> log_trans;       // [prev][next]
  int start_tag = 0;

  int tag_id(const std::string& t) {
    auto it = tag_index.find(t);
    if (it != tag_index.end()) return it->second;
    tag_index.emplace(t, static_cast<int>(tags.size()));
    tags.push_back(t);
    return static_cast<int>(tags.size()) - 1;
  }

  const Counts* lookup(const std::string& w) const {
    auto it = lexicon.find(w);
    return it == lexicon.end() ? nullptr : &it->second;
  }

  // Lingua's unknown-word classes (_classify_unknown_word), in its order.
  const Counts& classify_unknown(const std::string& w, const std::u32string& cps) const {
    auto cls = [&](const char* c) -> const Counts& { return lexicon.at(c); };
    auto is_upper = [](char32_t c) { return is_letter(c) && to_lower(c)[0] != c; };
    bool all_digit = true, has_digit = false, upper_abbr = is_upper(cps[0]);
    for (size_t i = 0; i < cps.size(); ++i) {
      const char32_t c = cps[i];
      all_digit &= is_digit(c) || c == '.' || c == ',' || c == '-';
      has_digit |= is_digit(c);
      if (i > 0 && !(c == '.' || c == '-' || is_upper(c))) upper_abbr = false;
    }
    if (has_digit && all_digit) return cls("*NUM*");
    if (has_digit && is_digit(cps[0])) return cls("*ORD*");
    if (upper_abbr) return cls("-abr-");
    const size_t dash = w.rfind('-');
    if (dash != std::string::npos && dash > 0 && dash + 1 < w.size()) {
      const Counts* last = lookup(w.substr(dash + 1));
      const int jj = tag_index.at("jj");
      const bool adj = last && std::any_of(last->begin(), last->end(), [&](const auto& p) { return p.first == jj; });
      return cls(adj ? "-hyp-adj-" : "-hyp-");
    }
    bool any_letter = false;
    for (char32_t c : cps) any_letter |= is_letter(c) || is_digit(c);
    if (!any_letter) return cls("-sym-");
    if (is_letter(cps[0]) && to_lower(cps[0])[0] != cps[0]) return cls("-cap-");
    if (ends_with(w, "ing")) return cls("-ing-");
    if (ends_with(w, "s")) return cls("-s-");
    if (ends_with(w, "tion")) return cls("-tion-");
    if (ends_with(w, "ly")) return cls("-ly-");
    if (ends_with(w, "ed")) return cls("-ed-");
    return cls("-unknown-");
  }

  // The lexicon comes from a newswire corpus, so many -s forms have only the reading seen there ("crosses":
  // VBZ, "rides"/"dances": NNS). A lower-case -s/-es/-ies form of a lexicon noun also gets the plural-noun
  // reading, of a lexicon verb the third-person verb reading, each scored like the unknown-word class "-s-".
  void add_inflection_readings(const RawLexicon& raw) {
    const int nn = tag_index.at("nn"), nns = tag_index.at("nns"), vb = tag_index.at("vb"), vbz = tag_index.at("vbz");
    const Counts& s_class = lexicon.at("-s-");
    auto score = [&](int t) {
      for (const auto& [tag, e] : s_class)
        if (tag == t) return e;
      return std::log(1e-3);
    };
    auto has = [](const Counts& c, int t) {
      return std::any_of(c.begin(), c.end(), [&](const auto& p) { return p.first == t; });
    };
    for (const auto& entry : raw) {
      const std::string& w = entry.first;
      if (w.size() < 4 || w.back() != 's' || w[w.size() - 2] == 's' || w[w.size() - 2] == '\'' ||
          !std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
        continue;
      std::vector<std::string> stems = {w.substr(0, w.size() - 1)};
      if (ends_with(w, "es")) stems.push_back(w.substr(0, w.size() - 2));
      if (ends_with(w, "ies")) stems.push_back(w.substr(0, w.size() - 3) + "y");
      bool noun = false, verb = false;
      for (const auto& st : stems) {
        const Counts* c = st.size() >= 3 ? lookup(st) : nullptr;
        if (!c) continue;
        noun |= has(*c, nn);
        verb |= has(*c, vb);
      }
      Counts& c = lexicon.at(w);
      if (noun && !has(c, nns)) c.emplace_back(nns, score(nns));
      if (verb && !has(c, vbz)) c.emplace_back(vbz, score(vbz));
    }
  }

  // Lingua's order (as written, then lower case, then unknown classes), except that a capitalised
  // sentence-initial word prefers its lower-case entry ("Old wooden boat", "Green leaves"), and that an
  // all-capitals word unknown as written in a caption with lower-case text is an abbreviation ("LED lamps",
  // not "led"), unless `mixed_case` is false (an all-capitals caption).
  // `known` tells whether the word (or its lower case) is a lexicon entry.
  const Counts& emissions(const std::string& w, bool sentence_start, bool mixed_case, bool& known) const {
    known = true;
    const Counts* exact = lookup(w);
    if (exact && !sentence_start) return *exact;
    const std::u32string cps = utf8_decode(w);
    std::u32string lower;
    bool all_upper = cps.size() >= 2;
    for (char32_t c : cps) {
      lower += to_lower(c);
      all_upper &= is_letter(c) && lower.back() != c;
    }
    if (lower != cps && !(all_upper && mixed_case && !exact))
      if (const Counts* c = lookup(utf8_encode(lower))) return *c;
    if (exact) return *exact;
    known = false;
    return classify_unknown(w, cps);
  }
};

PosTagger::PosTagger(const std::string& dir) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> trans;
  read_yaml_map(dir + "/tags.yml", [&](const std::string& k, const auto& v) { trans.emplace_back(k, v); });
  for (const auto& [prev, row] : trans) {
    m.tag_id(prev);
    for (const auto& kv : row) m.tag_id(kv.first);
  }
  RawLexicon raw;
  std::vector<double> tag_total(m.tags.size(), 0.0);
  auto add_words = [&](const std::string& k, const auto& v) {
    for (const auto& kv : v) {
      const int t = m.tag_id(kv.first);
      if (static_cast<size_t>(t) >= tag_total.size()) tag_total.resize(m.tags.size(), 0.0);
      tag_total[static_cast<size_t>(t)] += kv.second;
    }
    raw[k] = v;
  };
  read_yaml_map(dir + "/words.yml", add_words);
  read_yaml_map(dir + "/unknown.yml", add_words);
  for (const char* need : {"*NUM*", "*ORD*", "-abr-", "-cap-", "-sym-", "-hyp-", "-hyp-adj-", "-unknown-"})
    GLIP_CHECK_INPUT(raw.count(need), "POS tagger lexicon in '", dir, "': no entry '", need, "'");
  tag_total.resize(m.tags.size(), 0.0);
  const size_t T = m.tags.size();
  // Emission score log P(w|t) = log P(t|w) - log P(t) + const (Bayes), smoothed.
  double grand = 0;
  for (double x : tag_total) grand += x;
  for (const auto& [w, v] : raw) {
    double total = 0;
    for (const auto& kv : v) total += kv.second;
    Counts c;
    for (const auto& kv : v) {
      const int t = m.tag_index.at(kv.first);
      const double p_t = (tag_total[static_cast<size_t>(t)] + 1.0) / (grand + static_cast<double>(T));
      c.emplace_back(t, std::log(kv.second / total) - std::log(p_t));
    }
    m.lexicon.emplace(w, std::move(c));
  }
  m.add_inflection_readings(raw);
  m.log_trans.assign(T, std::vector<double>(T, std::log(1e-7)));
  for (const auto& [prev, row] : trans)
    for (const auto& kv : row)
      if (kv.second > 0)
        m.log_trans[static_cast<size_t>(m.tag_index.at(prev))][static_cast<size_t>(m.tag_index.at(kv.first))] =
            std::log(kv.second);
  GLIP_CHECK_INPUT(m.tag_index.count("pp") && m.tag_index.count("det") && m.tag_index.count("nn"),
                   "POS tagger lexicon in '", dir, "': tags.yml lacks the Penn tags pp/det/nn");
  m.start_tag = m.tag_index.at("pp");
}

PosTagger::~PosTagger() = default;
PosTagger::PosTagger(PosTagger&&) noexcept = default;

namespace detail {
std::vector<TaggedWord> split_caption_words(const std::string& utf8);
}

std::vector<TaggedWord> PosTagger::tag(const std::string& utf8) const {
  std::vector<TaggedWord> words = detail::split_caption_words(utf8);
  if (words.empty()) return words;
  const Impl& m = *impl_;
  const size_t n = words.size();
  const bool mixed_case = std::any_of(utf8.begin(), utf8.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  std::vector<const Counts*> em(n);
  for (size_t i = 0; i < n; ++i) {
    const bool start = i == 0 || words[i - 1].text == "." || words[i - 1].text == "|" || words[i - 1].text == ":" ||
                       words[i - 1].text == "-";
    em[i] = &m.emissions(words[i].text, start, mixed_case, words[i].known);
    for (const auto& c : *em[i]) words[i].candidates.push_back(m.tags[static_cast<size_t>(c.first)]);
  }
  // Viterbi over the (sparse) candidate tags of each word.
  std::vector<std::vector<double>> score(n);
  std::vector<std::vector<int>> back(n);
  for (size_t i = 0; i < n; ++i) {
    score[i].assign(em[i]->size(), -1e300);
    back[i].assign(em[i]->size(), -1);
    for (size_t a = 0; a < em[i]->size(); ++a) {
      const auto [t, e] = (*em[i])[a];
      if (i == 0) {
        score[i][a] = m.log_trans[static_cast<size_t>(m.start_tag)][static_cast<size_t>(t)] + e;
        continue;
      }
      for (size_t b = 0; b < em[i - 1]->size(); ++b) {
        const int pt = (*em[i - 1])[b].first;
        const double s = score[i - 1][b] + m.log_trans[static_cast<size_t>(pt)][static_cast<size_t>(t)] + e;
        if (s > score[i][a]) score[i][a] = s, back[i][a] = static_cast<int>(b);
      }
    }
  }
  int best = static_cast<int>(std::max_element(score[n - 1].begin(), score[n - 1].end()) - score[n - 1].begin());
  for (size_t i = n; i-- > 0;) {
    words[i].tag = m.tags[static_cast<size_t>((*em[i])[static_cast<size_t>(best)].first)];
    best = back[i][static_cast<size_t>(best)];
  }
  return words;
}

}  // namespace glip::text
