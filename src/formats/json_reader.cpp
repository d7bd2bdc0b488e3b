#include "formats/json_reader.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "glip/core/error.h"
#include "glip/core/strings.h"

namespace glip::formats {
namespace {

constexpr int kMaxDepth = 512;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

const char* json_type_name(JsonReader::Type t) {
  switch (t) {
    case JsonReader::Type::kNull: return "null";
    case JsonReader::Type::kBool: return "boolean";
    case JsonReader::Type::kNumber: return "number";
    case JsonReader::Type::kString: return "string";
    case JsonReader::Type::kArray: return "array";
    case JsonReader::Type::kObject: return "object";
  }
  return "?";
}

JsonReader::JsonReader(std::string_view text, std::string source) : text_(text), source_(std::move(source)) {}

std::pair<size_t, size_t> JsonReader::line_col(size_t pos) const {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < text_.size(); ++i) {
    if (text_[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

void JsonReader::fail_at(size_t pos, const std::string& msg) const {
  auto [line, col] = line_col(pos);
  throw InputError(
      str_cat("file '", source_, "': invalid JSON: ", msg, " at line ", line, ", column ", col, " (char ", pos, ")"));
}

void JsonReader::fail(const std::string& msg) const { fail_at(pos_, msg); }

void JsonReader::fail_value(const std::string& msg) const {
  auto [line, col] = line_col(value_start_);
  throw InputError(str_cat("file '", source_, "': ", msg, " (at line ", line, ", column ", col, ")"));
}

void JsonReader::skip_ws() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      ++pos_;
    } else {
      break;
    }
  }
}

JsonReader::Type JsonReader::peek() {
  skip_ws();
  value_start_ = pos_;
  if (pos_ >= text_.size()) fail("expecting value, found end of file");
  char c = text_[pos_];
  switch (c) {
    case '{': return Type::kObject;
    case '[': return Type::kArray;
    case '"': return Type::kString;
    case 't':
    case 'f': return Type::kBool;
    case 'n': return Type::kNull;
    default:
      if (c == '-' || is_digit(c) || c == 'N' || c == 'I') return Type::kNumber;
  }
  fail(str_cat("expecting value, found '", c, "'"));
}

char JsonReader::expect_char(char c, const char* what) {
  skip_ws();
  if (pos_ >= text_.size() || text_[pos_] != c) fail(str_cat("expecting ", what));
  return text_[pos_++];
}

bool JsonReader::read_bool() {
  Type t = peek();
  if (t != Type::kBool) fail_value(str_cat("expected a boolean, found ", json_type_name(t)));
  if (text_.substr(pos_, 4) == "true") {
    pos_ += 4;
    return true;
  }
  if (text_.substr(pos_, 5) == "false") {
    pos_ += 5;
    return false;
  }
  fail("expecting value");
}

void JsonReader::read_null() {
  Type t = peek();
  if (t != Type::kNull) fail_value(str_cat("expected null, found ", json_type_name(t)));
  if (text_.substr(pos_, 4) != "null") fail("expecting value");
  pos_ += 4;
}

double JsonReader::read_number() {
  Type t = peek();
  if (t != Type::kNumber) fail_value(str_cat("expected a number, found ", json_type_name(t)));
  const size_t start = pos_;
  const std::string_view rest = text_.substr(pos_);
  if (rest.substr(0, 3) == "NaN") {
    pos_ += 3;
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (rest.substr(0, 8) == "Infinity") {
    pos_ += 8;
    return std::numeric_limits<double>::infinity();
  }
  if (rest.substr(0, 9) == "-Infinity") {
    pos_ += 9;
    return -std::numeric_limits<double>::infinity();
  }
  size_t p = pos_;
  if (text_[p] == '-') ++p;
  if (p >= text_.size() || !is_digit(text_[p])) fail_at(start, "expecting value");
  if (text_[p] == '0') {
    ++p;
  } else {
    while (p < text_.size() && is_digit(text_[p])) ++p;
  }
  if (p < text_.size() && text_[p] == '.') {
    ++p;
    if (p >= text_.size() || !is_digit(text_[p])) fail_at(p, "expecting a digit after '.'");
    while (p < text_.size() && is_digit(text_[p])) ++p;
  }
  if (p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
    ++p;
    if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
    if (p >= text_.size() || !is_digit(text_[p])) fail_at(p, "expecting a digit in the exponent");
    while (p < text_.size() && is_digit(text_[p])) ++p;
  }
  double v = 0;
  auto res = std::from_chars(text_.data() + start, text_.data() + p, v);
  if (res.ec == std::errc::result_out_of_range) {
    // Python turns overflowing literals into +-inf and underflowing ones into +-0.
    bool neg = text_[start] == '-';
    size_t e = text_.find_first_of("eE", start);
    bool big_exp = e < p && text_[e + 1] != '-';
    v = big_exp || e >= p ? (neg ? -HUGE_VAL : HUGE_VAL) : (neg ? -0.0 : 0.0);
  } else if (res.ec != std::errc()) {
    fail_at(start, "bad number");
  }
  pos_ = p;
  return v;
}

bool JsonReader::try_read_int(int64_t& out) {
  if (peek() != Type::kNumber) return false;
  const double v = read_number();
  if (!(std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.007199254740992e15)) return false;
  out = static_cast<int64_t>(v);
  return true;
}

int64_t JsonReader::read_int(const std::string& what) {
  int64_t v = 0;
  if (!try_read_int(v)) fail_value(str_cat(what, ": expected an integer"));
  return v;
}

void JsonReader::read_string_into(std::string& out) {
  out.clear();
  expect_char('"', "'\"'");
  while (true) {
    size_t run = pos_;
    while (run < text_.size() && text_[run] != '"' && text_[run] != '\\' &&
           static_cast<unsigned char>(text_[run]) >= 0x20) {
      ++run;
    }
    out.append(text_.data() + pos_, run - pos_);
    pos_ = run;
    if (pos_ >= text_.size()) fail("unterminated string");
    char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      return;
    }
    if (c != '\\') fail("invalid control character in string");
    if (pos_ + 1 >= text_.size()) fail("unterminated string");
    char e = text_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        auto hex4 = [&](size_t at) {
          if (at + 4 > text_.size()) fail_at(at, "invalid \\uXXXX escape");
          uint32_t v = 0;
          auto r = std::from_chars(text_.data() + at, text_.data() + at + 4, v, 16);
          if (r.ec != std::errc() || r.ptr != text_.data() + at + 4) fail_at(at, "invalid \\uXXXX escape");
          return v;
        };
        uint32_t cp = hex4(pos_);
        pos_ += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
          uint32_t lo = hex4(pos_ + 2);
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            pos_ += 6;
          }
        }
        utf8_append(out, static_cast<char32_t>(cp));
        break;
      }
      default: fail_at(pos_ - 2, "invalid \\escape");
    }
  }
}

std::string JsonReader::read_string() {
  Type t = peek();
  if (t != Type::kString) fail_value(str_cat("expected a string, found ", json_type_name(t)));
  std::string s;
  read_string_into(s);
  return s;
}

void JsonReader::skip_string() {
  ++pos_;  // opening quote
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      return;
    }
    if (c == '\\') {
      pos_ += 2;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20) fail("invalid control character in string");
    ++pos_;
  }
  fail("unterminated string");
}

void JsonReader::skip() {
  switch (peek()) {
    case Type::kNull: read_null(); return;
    case Type::kBool: read_bool(); return;
    case Type::kNumber: read_number(); return;
    case Type::kString: skip_string(); return;
    case Type::kArray: {
      begin_array();
      for (bool first = true; next_element(first);) skip();
      return;
    }
    case Type::kObject: {
      begin_object();
      for (bool first = true; next_key(first);) skip();
      return;
    }
  }
}

void JsonReader::begin_array() {
  Type t = peek();
  if (t != Type::kArray) fail_value(str_cat("expected an array, found ", json_type_name(t)));
  if (++depth_ > kMaxDepth) fail("nesting too deep");
  ++pos_;
}

bool JsonReader::next_element(bool& first) {
  skip_ws();
  if (pos_ < text_.size() && text_[pos_] == ']' && first) {
    ++pos_;
    --depth_;
    return false;
  }
  if (!first) {
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      --depth_;
      return false;
    }
    expect_char(',', "',' delimiter");
  }
  first = false;
  return true;
}

void JsonReader::begin_object() {
  Type t = peek();
  if (t != Type::kObject) fail_value(str_cat("expected an object, found ", json_type_name(t)));
  if (++depth_ > kMaxDepth) fail("nesting too deep");
  ++pos_;
}

bool JsonReader::next_key(bool& first) {
  skip_ws();
  if (pos_ < text_.size() && text_[pos_] == '}' && first) {
    ++pos_;
    --depth_;
    return false;
  }
  if (!first) {
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      --depth_;
      return false;
    }
    expect_char(',', "',' delimiter");
    skip_ws();
  }
  first = false;
  if (pos_ >= text_.size() || text_[pos_] != '"') fail("expecting property name enclosed in double quotes");
  read_string_into(key_);
  expect_char(':', "':' delimiter");
  return true;
}

void JsonReader::expect_end() {
  skip_ws();
  if (pos_ != text_.size()) fail("extra data");
}

}  // namespace glip::formats
