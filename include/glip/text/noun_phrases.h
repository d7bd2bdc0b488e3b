/**
 * Noun-phrase extraction from free captions, the input of pseudo-labelling. Matches the intent of the
 * official demo's NLTK chunk grammar NP: {<DT>?<JJ.*>*<NN.*>+}: a bigram HMM part-of-speech tagger (Viterbi)
 * over the Penn-Treebank lexicon and tag-transition table of Debian's liblingua-en-tagger-perl (read at run
 * time from its YAML files; -s forms of lexicon nouns and verbs get the missing plural/third-person reading),
 * a few rules for caption language (participles used as adjectives, "medium"-like noun/adjective words before
 * adjectives, relational "left of" / "next to" / "in front of", subject-verb agreement), then the chunk grammar.
 * Spans are [start, end) in code points.
 */
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "glip/text/tokenizer.h"

namespace glip::text {

/** A caption word with its code-point span and Penn tag (lower case, Lingua names: det, jj, nn, ...). */
struct TaggedWord {
  std::string text;
  Offset span;
  std::string tag;
  std::vector<std::string> candidates;  ///< every tag the lexicon allows for the word
  bool known = false;                   ///< a lexicon word (else the tags of an unknown-word class)
};

/** Folder of the tagger lexicon: $GLIP_TAGGER_DIR, else the liblingua-en-tagger-perl install folder. */
std::string default_tagger_dir();

class PosTagger {
 public:
  /** Loads words.yml, unknown.yml and tags.yml; glip::InputError naming the file when missing/bad. */
  explicit PosTagger(const std::string& dir = default_tagger_dir());
  ~PosTagger();
  PosTagger(PosTagger&&) noexcept;

  /** Splits a caption into words (punctuation and clitics 's n't apart) and tags them. */
  std::vector<TaggedWord> tag(const std::string& utf8) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class NounPhraseExtractor {
 public:
  explicit NounPhraseExtractor(const std::string& tagger_dir = default_tagger_dir());
  /** Noun-phrase spans in order; glip::InputError on invalid UTF-8. Thread-safe. */
  std::vector<Offset> extract(const std::string& utf8) const;
  const PosTagger& tagger() const { return tagger_; }

 private:
  PosTagger tagger_;
};

/**
 * Parses a hand-labelled line "[A man] riding [a horse]" into the caption without brackets and the
 * bracketed spans (code points of the caption). glip::InputError on unbalanced brackets or bad UTF-8.
 */
std::pair<std::string, std::vector<Offset>> parse_bracketed_phrases(const std::string& line);

/** The chunk grammar over tags: [first, last) word index ranges of <det>?<jj.*>*<nn.*>+ matches. */
std::vector<std::pair<size_t, size_t>> chunk_noun_phrases(const std::vector<std::string>& tags);

}  // namespace glip::text
