// Detection-as-grounding training prompts: Objects365-style (official coco_dt.py check_for_positive_overflow +
// od_to_grounding.py convert_object_detection_to_grounding_optimized_for_od) and, with disable_shuffle, the fixed
// all-class prompt of COCO / ODinW fine-tuning (convert_od_to_grounding_simple).
#include <set>

#include "glip/core/error.h"
#include "glip/text/detection_prompt.h"
#include "glip/text/unicode.h"

namespace glip::text {

namespace {

const ClassPrompt* part_of(const DetectionPromptOptions& opts, int64_t label) {
  if (opts.class_prompts == nullptr) return nullptr;
  const auto it = opts.class_prompts->find(label);
  return it == opts.class_prompts->end() ? nullptr : &it->second;
}

// The official budget counts "name. "; with a caption_prompt entry "prefix name suffix. ".
int64_t name_cost(const Tokenizer& tok, const std::string& name, const ClassPrompt* part) {
  if (part) return tok.count_tokens(part->prefix + clean_name(part->name) + part->suffix + ". ");
  return tok.count_tokens(clean_name(name) + ". ");
}

// generate_control_options_given_probabilities: how many negatives to draw.
int64_t num_negatives(const std::array<double, 4>& p, int64_t full_negative, std::mt19937_64& rng) {
  GLIP_CHECK_INPUT(p[3] == 0.0, "CONTROL_PROB[3] (drop positives) must be 0, got ", p[3]);
  const double outer = uniform01(rng);
  if (outer < p[0]) return 1;
  if (outer < p[0] + p[1]) return 0;
  if (outer < p[0] + p[1] + p[2]) return full_negative;
  return static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(std::max<int64_t>(1, full_negative)))) + 1;
}

// DISABLE_SHUFFLE: every class in ascending id order, written as the evaluation prompt writes it; every box kept.
DetectionPrompt fixed_prompt(const std::vector<int64_t>& box_labels, const std::map<int64_t, std::string>& classes,
                             const DetectionPromptOptions& opts) {
  std::vector<int64_t> labels;
  std::vector<std::string> names;
  for (const auto& [id, name] : classes) labels.push_back(id), names.push_back(name);
  DetectionPrompt out;
  out.prompt = build_category_prompt(labels, names, opts.separator, /*clean=*/true, opts.class_prompts);
  if (!opts.prefix.empty()) {
    const int64_t shift = utf8_length(opts.prefix);
    out.prompt.text = opts.prefix + out.prompt.text;
    for (auto& s : out.prompt.spans) s.first += shift, s.second += shift;
  }
  std::map<int64_t, Offset> span_of;
  for (size_t i = 0; i < labels.size(); ++i) span_of[labels[i]] = out.prompt.spans[i];
  for (size_t b = 0; b < box_labels.size(); ++b) {
    out.kept_boxes.push_back(static_cast<int64_t>(b));
    out.box_spans.push_back(span_of.at(box_labels[b]));
    out.box_labels.push_back(box_labels[b]);
  }
  return out;
}

}  // namespace

DetectionPrompt build_detection_training_prompt(const std::vector<int64_t>& box_labels,
                                                const std::map<int64_t, std::string>& classes, const Tokenizer& tok,
                                                std::mt19937_64& rng, const DetectionPromptOptions& opts) {
  // 1. Positives, shuffled, kept while they fit (check_for_positive_overflow).
  std::set<int64_t> positive_set;
  for (int64_t l : box_labels) {
    GLIP_CHECK_INPUT(classes.count(l), "detection prompt: box label ", l, " is not a known category id");
    positive_set.insert(l);
  }
  if (opts.disable_shuffle) return fixed_prompt(box_labels, classes, opts);
  std::vector<int64_t> positives(positive_set.begin(), positive_set.end());
  shuffle_in_place(positives, rng);
  std::set<int64_t> kept;
  int64_t positive_length = 0;
  for (int64_t l : positives) {
    positive_length += name_cost(tok, classes.at(l), part_of(opts, l));
    if (positive_length > opts.max_seq_length) break;
    kept.insert(l);
  }
  // 2. Negatives.
  std::vector<int64_t> valid;
  for (const auto& kv : classes) valid.push_back(kv.first);
  const int64_t full_negative = std::min<int64_t>(opts.random_sample_negative, static_cast<int64_t>(valid.size()));
  const int64_t n_neg =
      std::min<int64_t>(num_negatives(opts.control_prob, full_negative, rng), static_cast<int64_t>(valid.size()));
  std::vector<int64_t> negatives;
  {
    std::vector<int64_t> pool = valid;  // partial Fisher-Yates = choice(replace=False)
    for (int64_t i = 0; i < n_neg; ++i) {
      const size_t j = static_cast<size_t>(i) + uniform_below(rng, pool.size() - static_cast<size_t>(i));
      std::swap(pool[static_cast<size_t>(i)], pool[j]);
      if (!kept.count(pool[static_cast<size_t>(i)]))  // as official: only the kept positives are excluded
        negatives.push_back(pool[static_cast<size_t>(i)]);
    }
  }
  std::vector<int64_t> pos_list(kept.begin(), kept.end());
  shuffle_in_place(pos_list, rng);
  shuffle_in_place(negatives, rng);
  int64_t budget = opts.max_seq_length - positive_length;
  std::vector<int64_t> screened;
  for (int64_t l : negatives) {
    budget -= name_cost(tok, classes.at(l), part_of(opts, l));
    if (budget <= 0) break;
    screened.push_back(l);
  }
  // 3. The caption: negatives + positives, shuffled, joined.
  std::vector<int64_t> all = screened;
  all.insert(all.end(), pos_list.begin(), pos_list.end());
  shuffle_in_place(all, rng);
  DetectionPrompt out;
  std::map<int64_t, Offset> span_of;
  std::string& text = out.prompt.text;
  text = opts.prefix;
  int64_t len = utf8_length(text);
  const int64_t sep_len = utf8_length(opts.separator);
  for (size_t i = 0; i < all.size(); ++i) {
    const ClassPrompt* part = part_of(opts, all[i]);
    if (part) text += part->prefix, len += utf8_length(part->prefix);
    const std::string n = clean_name(part ? part->name : classes.at(all[i]));
    const int64_t start = len;
    text += n;
    len += utf8_length(n);
    span_of[all[i]] = {start, len};
    out.prompt.labels.push_back(all[i]);
    out.prompt.spans.push_back({start, len});
    if (part) text += part->suffix, len += utf8_length(part->suffix);
    if (i + 1 != all.size()) text += opts.separator, len += sep_len;
  }
  for (size_t b = 0; b < box_labels.size(); ++b) {
    const auto it = span_of.find(box_labels[b]);
    if (it == span_of.end() || !kept.count(box_labels[b])) continue;
    out.kept_boxes.push_back(static_cast<int64_t>(b));
    out.box_spans.push_back(it->second);
    out.box_labels.push_back(box_labels[b]);
  }
  return out;
}

uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  GLIP_CHECK(n > 0, "uniform_below(0)");
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % n;
}

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace glip::text
