/**
 * A fast pull parser for the JSON files the evaluators read (COCO/LVIS annotations and results files,
 * which can be hundreds of MB). It builds no tree: loaders walk objects and arrays, read the keys they
 * need and skip the rest. Numbers are parsed with std::from_chars (correctly rounded, like Python's json).
 * Like Python's json module it accepts NaN, Infinity and -Infinity. Every syntax error throws
 * glip::InputError naming the file, line, column and byte offset.
 */
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace glip::formats {

class JsonReader {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  /** `text` must outlive the reader; `source` names the file in error messages. */
  JsonReader(std::string_view text, std::string source);

  /** The type of the next value (after whitespace); throws at end of input or on an invalid character. */
  Type peek();
  bool read_bool();
  void read_null();
  /** Reads a number (or NaN / Infinity / -Infinity). */
  double read_number();
  /** Reads a number that must be an integer (1 or 1.0); `what` names the value in the error. */
  int64_t read_int(const std::string& what);
  /** Reads a number; false (value consumed, or not a number: nothing consumed) when it is not an integer. */
  bool try_read_int(int64_t& out);
  std::string read_string();
  /** Skips one value of any type. */
  void skip();

  /** Consumes '['. Then `while (next_element(first))` visits the elements; `first` starts true. */
  void begin_array();
  bool next_element(bool& first);
  /** Consumes '{'. Then `while (next_key(first))` visits the members; key() is the current key. */
  void begin_object();
  bool next_key(bool& first);
  const std::string& key() const { return key_; }

  /** Checks that only whitespace remains. */
  void expect_end();

  /** Throws InputError "file 'SRC': invalid JSON: MSG at line L, column C (char N)". */
  [[noreturn]] void fail(const std::string& msg) const;
  /** Throws InputError "file 'SRC': MSG (at line L, column C)" for a well-formed value of the wrong kind. */
  [[noreturn]] void fail_value(const std::string& msg) const;
  const std::string& source() const { return source_; }

 private:
  void skip_ws();
  char expect_char(char c, const char* what);
  void read_string_into(std::string& out);
  void skip_string();
  [[noreturn]] void fail_at(size_t pos, const std::string& msg) const;
  std::pair<size_t, size_t> line_col(size_t pos) const;

  std::string_view text_;
  size_t pos_ = 0;
  size_t value_start_ = 0;
  std::string source_;
  std::string key_;
  int depth_ = 0;
};

/** Human-readable name of a JSON type ("number", "array", ...). */
const char* json_type_name(JsonReader::Type t);

}  // namespace glip::formats
