#include "glip/text/prompt.h"

#include <algorithm>
#include <set>

#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/text/positive_map.h"
#include "glip/text/unicode.h"

namespace glip::text {

std::string clean_name(const std::string& name) {
  // re.sub(r"\(.*\)", "", name): from each "(" to the last ")" on the same line.
  std::string a;
  for (size_t i = 0; i < name.size();) {
    if (name[i] == '(') {
      const size_t eol = std::min(name.find('\n', i), name.size());
      const size_t close = name.rfind(')', eol == 0 ? 0 : eol - 1);
      if (close != std::string::npos && close > i && close < eol) {
        i = close + 1;
        continue;
      }
    }
    a.push_back(name[i++]);
  }
  std::replace(a.begin(), a.end(), '_', ' ');
  std::string b;  // re.sub(r"  ", " ", ...): non-overlapping, left to right
  for (size_t i = 0; i < a.size(); ++i) {
    b.push_back(a[i]);
    if (a[i] == ' ' && i + 1 < a.size() && a[i + 1] == ' ') ++i;
  }
  return b;
}

Prompt build_category_prompt(const std::vector<int64_t>& labels, const std::vector<std::string>& names,
                             const std::string& separator, bool clean, const ClassPrompts* parts) {
  GLIP_CHECK_INPUT(labels.size() == names.size(), "category prompt: ", labels.size(), " labels but ", names.size(),
                   " names");
  Prompt p;
  int64_t len = 0;
  const int64_t sep_len = utf8_length(separator);
  for (size_t i = 0; i < names.size(); ++i) {
    const ClassPrompt* part = nullptr;
    if (parts != nullptr) {
      const auto it = parts->find(labels[i]);
      if (it != parts->end()) part = &it->second;
    }
    const std::string& raw = part ? part->name : names[i];
    GLIP_CHECK_INPUT(utf8_valid(raw), "category ", labels[i], ": name is not valid UTF-8");
    if (part) {
      GLIP_CHECK_INPUT(utf8_valid(part->prefix) && utf8_valid(part->suffix), "category ", labels[i],
                       ": prompt prefix or suffix is not valid UTF-8");
      p.text += part->prefix;
      len += utf8_length(part->prefix);
    }
    const std::string n = clean ? clean_name(raw) : raw;
    const int64_t start = len;
    p.text += n;
    len += utf8_length(n);
    p.spans.push_back({start, len});
    p.labels.push_back(labels[i]);
    if (part) p.text += part->suffix, len += utf8_length(part->suffix);
    if (i + 1 != names.size()) p.text += separator, len += sep_len;
  }
  return p;
}

Prompt build_demo_prompt(const std::vector<std::string>& names) {
  Prompt p;
  int64_t len = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    GLIP_CHECK_INPUT(utf8_valid(names[i]), "demo prompt: name ", i + 1, " is not valid UTF-8");
    const int64_t n = utf8_length(names[i]);
    p.spans.push_back({len, len + n});
    p.labels.push_back(static_cast<int64_t>(i) + 1);
    p.text += names[i] + " . ";
    len += n + 3;
  }
  return p;
}

std::vector<CategoryQuery> create_queries_and_maps(const std::map<int64_t, std::string>& categories,
                                                   const Tokenizer& tok, int64_t chunk_size,
                                                   const std::string& separator, const ClassPrompts* parts) {
  GLIP_CHECK_INPUT(chunk_size == -1 || chunk_size > 0, "chunked evaluation: chunk size must be -1 or > 0, got ",
                   chunk_size);
  std::vector<int64_t> labels;
  std::vector<std::string> names;
  for (const auto& [id, name] : categories) labels.push_back(id), names.push_back(name);
  const size_t step = chunk_size == -1 ? std::max<size_t>(labels.size(), 1) : static_cast<size_t>(chunk_size);
  std::vector<CategoryQuery> out;
  for (size_t b = 0; b < labels.size(); b += step) {
    const size_t e = std::min(labels.size(), b + step);
    CategoryQuery q;
    q.prompt = build_category_prompt({labels.begin() + b, labels.begin() + e}, {names.begin() + b, names.begin() + e},
                                     separator, /*clean=*/true, parts);
    const Encoding enc = tok.encode(q.prompt.text);
    std::vector<std::vector<Offset>> spans;
    for (const auto& s : q.prompt.spans) spans.push_back({s});
    q.label_to_tokens = label_to_tokens_from_spans(enc, spans, q.prompt.labels, &q.token_to_label);
    out.push_back(std::move(q));
  }
  return out;
}

namespace {

bool all_fit(const std::vector<CategoryQuery>& qs, const Tokenizer& tok, int64_t max_query_len) {
  for (const auto& q : qs)
    if (static_cast<int64_t>(tok.encode(q.prompt.text).size()) > max_query_len) return false;
  return true;
}

}  // namespace

std::vector<CategoryQuery> plan_category_queries(const std::map<int64_t, std::string>& categories, const Tokenizer& tok,
                                                 int64_t chunk_size, int64_t max_query_len, const ClassPrompts* parts) {
  GLIP_CHECK_INPUT(!categories.empty(), "no categories to build prompts from");
  const auto n = static_cast<int64_t>(categories.size());
  const int64_t requested = chunk_size == -1 ? n : std::min(chunk_size, n);
  auto qs = create_queries_and_maps(categories, tok, requested, ". ", parts);
  if (all_fit(qs, tok, max_query_len)) return qs;
  // Largest chunk size in [1, requested) whose prompts all fit (binary search; 1 is used when none does).
  int64_t lo = 1, hi = requested - 1;
  while (lo < hi) {
    const int64_t mid = (lo + hi + 1) / 2;
    if (all_fit(create_queries_and_maps(categories, tok, mid, ". ", parts), tok, max_query_len)) lo = mid;
    else hi = mid - 1;
  }
  qs = create_queries_and_maps(categories, tok, lo, ". ", parts);
  GLIP_LOG_WARN("[prompt] {} categories in chunks of {} exceed {} tokens: using chunks of {} ({} prompts)", n,
                requested, max_query_len, lo, qs.size());
  return qs;
}

}  // namespace glip::text
