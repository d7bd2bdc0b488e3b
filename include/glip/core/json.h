/**
 * JSON from untrusted files: parsing with a nesting limit and errors that name the file, and dumping that never
 * throws on invalid UTF-8. Every reader of a JSON file a user hands to glip goes through parse_json_input.
 */
#pragma once
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace glip {

/**
 * Deepest nesting of arrays and objects accepted (glip's own files and the dataset formats it reads nest fewer
 * than 10 levels; code that walks a document recursively stays far from the stack limit).
 */
constexpr size_t kMaxJsonDepth = 100;

/**
 * The nesting depth of the arrays and objects in `text` (brackets inside strings are not counted), found by a
 * linear scan that stops once it passes `limit` (then the result is limit + 1).
 */
size_t json_nesting_depth(std::string_view text, size_t limit = kMaxJsonDepth);

/**
 * Parses JSON text from `where` (a file name, or "file:line"). Nesting deeper than kMaxJsonDepth and syntax
 * errors throw glip::InputError naming `where` and the byte offset.
 */
nlohmann::json parse_json_input(std::string_view text, const std::string& where);
nlohmann::ordered_json parse_ordered_json_input(std::string_view text, const std::string& where);

/** j.dump(indent), with invalid UTF-8 in strings replaced by U+FFFD instead of an exception. */
std::string json_dump(const nlohmann::json& j, int indent = -1);
std::string json_dump(const nlohmann::ordered_json& j, int indent = -1);

}  // namespace glip
