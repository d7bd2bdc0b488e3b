/**
 * Detection-as-grounding training prompts (official data/datasets/coco_dt.py check_for_positive_overflow and
 * od_to_grounding.py): the Objects365-style prompt of sampled negatives and shuffled positives, or with
 * disable_shuffle the fixed all-class prompt of COCO / ODinW fine-tuning; and the portable random draws they use.
 * Spans as in glip/text/prompt.h.
 */
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "glip/text/prompt.h"

namespace glip::text {

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
