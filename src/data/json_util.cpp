#include "data/json_util.h"

#include <cmath>
#include <exception>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"

namespace glip::data::detail {

using nlohmann::json;

json parse_json(const std::string& text, const std::string& where) { return parse_json_input(text, where); }

json load_json(const std::string& path) { return parse_json(read_file(path), path); }

json load_json_streaming(const std::string& path, const ElementFn& on_element) {
  const std::string text = read_file(path);
  // Refusals and syntax errors are parse_json's, with its messages (the whole file is parsed again to say so).
  if (json_nesting_depth(text) > kMaxJsonDepth) return parse_json(text, path);
  std::string key;        // the current top-level key
  bool in_array = false;  // inside the array value of a top-level key
  // An element's error is raised once the whole file has parsed: a syntax error anywhere is reported first, as
  // load_json reports it (elements after the first error are parsed but not handed over).
  std::exception_ptr element_error;
  const json::parser_callback_t cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    using E = json::parse_event_t;
    if (depth == 1 && ev == E::key) key = parsed.get<std::string>();
    if (depth == 1 && (ev == E::array_start || ev == E::array_end)) in_array = ev == E::array_start;
    // An element of a top-level array is complete: hand it over and drop it from the tree.
    if (depth == 2 && in_array && (ev == E::object_end || ev == E::array_end || ev == E::value)) {
      if (!element_error) {
        try {
          on_element(key, parsed);
        } catch (...) {
          element_error = std::current_exception();
        }
      }
      return false;
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text, cb);
  } catch (const json::exception&) {
    return parse_json(text, path);
  }
  if (element_error) std::rethrow_exception(element_error);
  return doc;
}

const json& require_array(const json& obj, const char* key, const std::string& where) {
  GLIP_CHECK_INPUT(obj.is_object() && obj.contains(key), where, ": missing key '", key, "'");
  GLIP_CHECK_INPUT(obj[key].is_array(), where, ": key '", key, "' must be a list, got ", obj[key].type_name());
  return obj[key];
}

int64_t require_int(const json& obj, const char* key, const std::string& where) {
  GLIP_CHECK_INPUT(obj.is_object() && obj.contains(key), where, ": missing key '", key, "'");
  GLIP_CHECK_INPUT(obj[key].is_number_integer(), where, ": key '", key, "' must be an integer, got ",
                   json_dump(obj[key]));
  return obj[key].get<int64_t>();
}

std::string require_string(const json& obj, const char* key, const std::string& where) {
  GLIP_CHECK_INPUT(obj.is_object() && obj.contains(key), where, ": missing key '", key, "'");
  GLIP_CHECK_INPUT(obj[key].is_string(), where, ": key '", key, "' must be a string, got ", json_dump(obj[key]));
  return obj[key].get<std::string>();
}

std::array<float, 4> box_from_json(const json& v, const std::string& where) {
  GLIP_CHECK_INPUT(v.is_array() && v.size() == 4, where, ": a box must be 4 numbers, got ", json_dump(v));
  std::array<float, 4> b{};
  for (size_t k = 0; k < 4; ++k) {
    GLIP_CHECK_INPUT(v[k].is_number() && std::isfinite(v[k].get<double>()), where,
                     ": a box must be 4 finite numbers, got ", json_dump(v));
    b[k] = v[k].get<float>();
  }
  return b;
}

std::array<float, 4> require_box(const json& obj, const char* key, const std::string& where) {
  GLIP_CHECK_INPUT(obj.is_object() && obj.contains(key), where, ": missing key '", key, "'");
  return box_from_json(obj[key], where + " '" + key + "'");
}

const json& require_object(const json& obj, const char* key, const std::string& where) {
  GLIP_CHECK_INPUT(obj.is_object() && obj.contains(key), where, ": missing key '", key, "'");
  GLIP_CHECK_INPUT(obj[key].is_object(), where, ": key '", key, "' must be an object, got ", json_dump(obj[key]));
  return obj[key];
}

int64_t optional_int(const json& obj, const char* key, int64_t fallback, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return fallback;
  return require_int(obj, key, where);
}

double number_at(const json& v, const std::string& what, const std::string& where) {
  GLIP_CHECK_INPUT(v.is_number() && std::isfinite(v.get<double>()), where, ": ", what, " must be a finite number, got ",
                   json_dump(v));
  return v.get<double>();
}

std::string id_text(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) ? json_dump(obj[key]) : std::string("null");
}

Span require_span(const json& obj, const char* key, const std::string& where) {
  GLIP_CHECK_INPUT(obj.is_object() && obj.contains(key), where, ": missing key '", key, "'");
  const auto& v = obj[key];
  GLIP_CHECK_INPUT(v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer(), where,
                   ": key '", key, "' must be [start, end], got ", json_dump(v));
  return {v[0].get<int64_t>(), v[1].get<int64_t>()};
}

std::string join_root(const std::string& root, const std::string& rel) {
  if (root.empty() || (!rel.empty() && rel[0] == '/')) return rel;
  return root.back() == '/' ? root + rel : root + "/" + rel;
}

}  // namespace glip::data::detail
