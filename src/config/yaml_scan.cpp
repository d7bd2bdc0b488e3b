// A pre-scan of config text for quoted strings left open: yaml-cpp reads an unterminated quote on to the next
// quote character, folding the rest of the file into one string (or fails far below with a misleading line).
#include <cstdint>

#include "config/detail.h"

namespace glip::config::detail {
namespace {

bool yaml_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/** Index just past the quoted scalar that opens at `line[pos]`, or npos when it does not close on this line. */
size_t close_quote(const std::string& line, size_t pos) {
  const char q = line[pos];
  for (size_t i = pos + 1; i < line.size(); ++i) {
    if (q == '"' && line[i] == '\\') {
      ++i;  // an escape: the next character is literal
    } else if (line[i] == q) {
      if (q == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
        ++i;  // '' inside a single-quoted string is one quote
        continue;
      }
      return i + 1;
    }
  }
  return std::string::npos;
}

}  // namespace

size_t unclosed_quote_line(const std::string& text) {
  size_t flow = 0;                          // depth of [ ] and { } (flow collections may span lines)
  size_t block_indent = std::string::npos;  // inside a | or > block scalar: lines indented deeper are its text
  size_t line_no = 0;
  for (size_t start = 0; start <= text.size(); ++line_no) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    if (block_indent != std::string::npos) {
      if (indent == line.size() || indent > block_indent) continue;
      block_indent = std::string::npos;
    }
    bool value_start = true;  // a scalar may begin here (line start, after ": ", "- ", "[", "{", ",")
    for (size_t pos = indent; pos < line.size();) {
      const char c = line[pos];
      const bool spaced = pos + 1 == line.size() || yaml_space(line[pos + 1]);
      if (yaml_space(c)) {
        ++pos;
      } else if (c == '#' && (pos == 0 || yaml_space(line[pos - 1]))) {
        break;  // a comment
      } else if (value_start && (c == '"' || c == '\'')) {
        pos = close_quote(line, pos);
        if (pos == std::string::npos) return line_no + 1;
        value_start = false;
      } else if (value_start && (c == '|' || c == '>') && flow == 0) {
        block_indent = indent;
        break;
      } else if ((c == '-' || c == '?') && value_start && spaced) {
        ++pos;
      } else if (c == ':' && (spaced || (flow > 0 && pos + 1 < line.size() &&
                                         (line[pos + 1] == ',' || line[pos + 1] == ']' || line[pos + 1] == '}')))) {
        value_start = true;
        ++pos;
      } else if (c == '[' || c == '{') {
        ++flow;
        value_start = true;
        ++pos;
      } else if (flow > 0 && (c == ']' || c == '}')) {
        --flow;
        value_start = false;
        ++pos;
      } else if (flow > 0 && c == ',') {
        value_start = true;
        ++pos;
      } else if (value_start && (c == '&' || c == '!' || c == '*')) {
        while (pos < line.size() && !yaml_space(line[pos])) ++pos;  // an anchor, tag or alias
      } else {
        value_start = false;  // inside a plain scalar quotes are ordinary characters
        ++pos;
      }
    }
    if (end == text.size()) break;
  }
  return 0;
}

}  // namespace glip::config::detail
