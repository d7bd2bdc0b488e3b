// glip_text's input and output formats (text_cli.cpp).
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "glip/text/prompt.h"
#include "glip/text/tokenizer.h"

namespace glip::tools {

/** [[start, end], ...] */
nlohmann::json offsets_json(const std::vector<text::Offset>& offsets);

/**
 * Category names: JSON (a list of names (ids 1..n), a list of {"id", "name"}, or {"categories": [...]}) or text (a
 * name a line, ids 1..n). InputError naming the file when it is invalid UTF-8, malformed, empty or has a duplicate id.
 */
std::map<int64_t, std::string> read_category_names(const std::string& path);

/** A prompt with its tokens and token positive map: {"prompt", "labels", "spans", "tokens", "num_tokens",
 *  "positive_map": {label: {token index: weight}}}. */
nlohmann::json prompt_json(const text::Prompt& prompt, const text::Tokenizer& tok);

}  // namespace glip::tools
