/**
 * Text prompts for detection-as-grounding (official data/datasets/od_to_grounding.py,
 * engine/inference.py create_queries_and_maps, engine/predictor_glip.py). Spans are [start, end) in
 * Unicode code points of the prompt text, exactly as Python's len() counts them.
 */
#pragma once
#include <cstdint>
#include <map>
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

/**
 * The prompts of a category vocabulary for evaluation and inference (create_queries_and_maps): chunks of
 * `chunk_size` (-1: all in one). When a chunk's prompt is longer than `max_query_len` tokens ([CLS]/[SEP]
 * included), the largest smaller chunk size whose prompts all fit is used instead (logged), so vocabularies of any
 * size run unattended. `parts` (data.caption_prompt / override_category) changes how classes are written.
 * InputError for an empty vocabulary.
 */
std::vector<CategoryQuery> plan_category_queries(const std::map<int64_t, std::string>& categories, const Tokenizer& tok,
                                                 int64_t chunk_size, int64_t max_query_len,
                                                 const ClassPrompts* parts = nullptr);

}  // namespace glip::text
