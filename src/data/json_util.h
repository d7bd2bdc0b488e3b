// JSON access helpers for the dataset readers: every failure names the file/line and the key.
#pragma once
#include <array>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "glip/data/record.h"

namespace glip::data::detail {

/** Reads and parses a JSON file; a syntax error names the file and the byte position. */
nlohmann::json load_json(const std::string& path);
/** Parses JSON text; errors name `where`. */
nlohmann::json parse_json(const std::string& text, const std::string& where);

/** Called with a top-level key and one element of the array under it. */
using ElementFn = std::function<void(const std::string& key, const nlohmann::json& element)>;
/**
 * Reads a JSON file whose top level is an object of arrays (COCO/MDETR layout) without building the arrays:
 * each array element is handed to `on_element` when parsed, then dropped, so memory holds one element and the
 * file's text instead of its whole tree (~5x the file). Returns the top level with every such array left
 * empty (other values kept, so key and type checks work as on load_json's result). Errors as load_json's.
 */
nlohmann::json load_json_streaming(const std::string& path, const ElementFn& on_element);

const nlohmann::json& require_array(const nlohmann::json& obj, const char* key, const std::string& where);
int64_t require_int(const nlohmann::json& obj, const char* key, const std::string& where);
std::string require_string(const nlohmann::json& obj, const char* key, const std::string& where);
const nlohmann::json& require_object(const nlohmann::json& obj, const char* key, const std::string& where);
/** An optional integer: `fallback` when absent or null; any other non-integer is an error naming the key. */
int64_t optional_int(const nlohmann::json& obj, const char* key, int64_t fallback, const std::string& where);
/** `v` as a finite number; else an error naming `what` (e.g. "score 3"). */
double number_at(const nlohmann::json& v, const std::string& what, const std::string& where);
/** The value under `key` as JSON text for messages ("null" when absent or `obj` is no object). */
std::string id_text(const nlohmann::json& obj, const char* key);
/** A 4-number box under `key` (as written: xywh or xyxy, the caller knows). */
std::array<float, 4> require_box(const nlohmann::json& obj, const char* key, const std::string& where);
std::array<float, 4> box_from_json(const nlohmann::json& v, const std::string& where);
Span require_span(const nlohmann::json& obj, const char* key, const std::string& where);

/** `root`/`rel`, or `rel` alone when it is absolute or root is empty. */
std::string join_root(const std::string& root, const std::string& rel);

}  // namespace glip::data::detail
