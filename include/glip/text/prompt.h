/**
 * Text prompts for detection-as-grounding (official data/datasets/od_to_grounding.py,
 * engine/inference.py create_queries_and_maps, engine/predictor_glip.py). Spans are [start, end) in
 * Unicode code points of the prompt text, exactly as Python's len() counts them.
 */
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "glip/structures/batch.h"
#include "glip/text/tokenizer.h"

namespace glip::text {

/** Official clean_name: drops "(...)" (greedy, per line), "_" -> " ", then each "  " -> " " (one pass). */
std::string clean_name(const std::string& name);

/** A prompt with the span of each name in it. */
struct Prompt {
  std::string text;
  std::vector<int64_t> labels;  ///< label of each span (category id, or 1-based index for the demo)
  std::vector<Offset> spans;    ///< [start, end) code points of each name in `text`
};

/**
 * How one class is written into a prompt (official DATASETS.CAPTION_PROMPT entry): prefix + name + suffix,
 * the class's span covers `name` only. Separators go between classes as without an override.
 */
struct ClassPrompt {
  std::string prefix;
  std::string name;
  std::string suffix;
};
/** Category id -> how it is written; classes without an entry are written as their (cleaned) name. */
using ClassPrompts = std::map<int64_t, ClassPrompt>;

/**
 * Evaluation prompt (create_queries_and_maps): cleaned names joined with `separator` (". "), no trailing
 * separator: "person. bicycle. car". labels[i] is the label of names[i]. With `parts`, a label that has an
 * entry is written as prefix + name + suffix (the name cleaned when `clean`), its span on the name.
 */
Prompt build_category_prompt(const std::vector<int64_t>& labels, const std::vector<std::string>& names,
                             const std::string& separator = ". ", bool clean = true,
                             const ClassPrompts* parts = nullptr);

/** Demo style (predictor_glip): each raw name followed by " . " (trailing too); labels 1..n. */
Prompt build_demo_prompt(const std::vector<std::string>& names);

/** One prompt of a (possibly chunked) category vocabulary and its token maps. */
struct CategoryQuery {
  Prompt prompt;
  LabelToTokens label_to_tokens;              ///< category id -> token indices (create_positive_dict)
  std::map<int64_t, int64_t> token_to_label;  ///< token index -> category id
};

/**
 * create_queries_and_maps_from_dataset: categories sorted by id, split into chunks of `chunk_size`
 * (-1 = one prompt; LVIS uses 40), one prompt each. The token maps use the untruncated encoding as the
 * official code does.
 */
std::vector<CategoryQuery> create_queries_and_maps(const std::map<int64_t, std::string>& categories,
                                                   const Tokenizer& tok, int64_t chunk_size = -1,
                                                   const std::string& separator = ". ",
                                                   const ClassPrompts* parts = nullptr);

/** Options of the Objects365-style training prompt (coco_dt.py + od_to_grounding.py). */
struct DetectionPromptOptions {
  int64_t random_sample_negative = 85;                     ///< DATASETS.RANDOM_SAMPLE_NEG
  std::array<double, 4> control_prob{0.0, 0.0, 0.5, 0.0};  ///< DATASETS.CONTROL_PROB
  int64_t max_seq_length = 254;                            ///< max_query_len - 2 (room for [CLS]/[SEP])
  std::string separator = ". ";                            ///< DATASETS.SEPARATION_TOKENS
  std::string prefix;                                      ///< e.g. "object detection : " (off by default)
  const ClassPrompts* class_prompts = nullptr;             ///< per-class prefix/name/suffix (caption_prompt)
  /** DATASETS.DISABLE_SHUFFLE (official COCO / ODinW fine-tuning): every class in ascending id order, no sampled
   *  negatives, nothing shuffled: the evaluation prompt (build_category_prompt), after `prefix`. */
  bool disable_shuffle = false;
};

/** The result: the prompt, which boxes survive, and the span of each box's class. */
struct DetectionPrompt {
  Prompt prompt;                    ///< all classes in the prompt (negatives and positives), shuffled
  std::vector<int64_t> kept_boxes;  ///< indices into the input box labels, in input order
  std::vector<Offset> box_spans;    ///< span of the class of each kept box
  std::vector<int64_t> box_labels;  ///< label of each kept box
};

/**
 * Builds a training prompt from the box labels of one image. Positives are shuffled and kept while
 * clean_name(c) + ". " still fits `max_seq_length` tokens; boxes of dropped classes are removed. With
 * probability control_prob[2] all `random_sample_negative` negatives are drawn, otherwise Uniform{1..85};
 * drawn without replacement from `classes`, positives excluded, shuffled, then pre-screened against the
 * remaining token budget. Negatives and positives are shuffled together and joined with `separator`.
 * A class with an entry in opts.class_prompts is written prefix + clean_name(name) + suffix (its token cost
 * counts all three), its boxes' span on the name.
 * With opts.disable_shuffle the prompt is `prefix` + build_category_prompt(every class by ascending id, separator,
 * clean, class_prompts) and every box is kept (as convert_od_to_grounding_simple with disable_shuffle); `rng` is
 * not used. A prompt longer than the query is cut by the tokenizer as the official one is.
 * Deterministic given `rng`. glip::InputError when a box label is not in `classes`.
 */
DetectionPrompt build_detection_training_prompt(const std::vector<int64_t>& box_labels,
                                                const std::map<int64_t, std::string>& classes, const Tokenizer& tok,
                                                std::mt19937_64& rng, const DetectionPromptOptions& opts = {});

/** Uniform integer in [0, n) by rejection sampling (portable: the same on every standard library). */
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n);
/** Uniform double in [0, 1) from 53 random bits. */
double uniform01(std::mt19937_64& rng);
/** Fisher-Yates shuffle with uniform_below. */
template <typename T>
void shuffle_in_place(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_below(rng, i)]);
}

}  // namespace glip::text
