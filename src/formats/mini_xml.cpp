#include "formats/mini_xml.h"

#include <cctype>
#include <charconv>
#include <cstdint>

#include "glip/core/error.h"
#include "glip/core/strings.h"

namespace glip::formats::xml {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& source) : s_(text), src_(source) {}

  std::unique_ptr<Element> document() {
    skip_misc();
    if (pos_ >= s_.size() || s_[pos_] != '<') fail("expected the root element");
    auto root = element(0);
    skip_misc();
    if (pos_ != s_.size()) fail("junk after the document element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const {
    size_t line = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) line += s_[i] == '\n';
    throw InputError(str_cat("file '", src_, "': invalid XML: ", msg, " at line ", line));
  }
  bool starts(const char* lit) const { return s_.compare(pos_, std::char_traits<char>::length(lit), lit) == 0; }
  void skip_until(const char* end) {
    size_t e = s_.find(end, pos_);
    if (e == std::string::npos) fail(str_cat("unterminated construct, expected '", end, "'"));
    pos_ = e + std::char_traits<char>::length(end);
  }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  // Whitespace, comments, processing instructions and the doctype outside the root element.
  void skip_misc() {
    while (true) {
      skip_ws();
      if (starts("<?")) {
        skip_until("?>");
      } else if (starts("<!--")) {
        skip_until("-->");
      } else if (starts("<!DOCTYPE")) {
        skip_until(">");
      } else {
        return;
      }
    }
  }
  std::string name() {
    size_t b = pos_;
    while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
    if (b == pos_) fail("expected a name");
    return s_.substr(b, pos_ - b);
  }
  void entity(std::string& out) {
    size_t e = s_.find(';', pos_);
    if (e == std::string::npos || e - pos_ > 12) fail("bad entity reference");
    std::string ent = s_.substr(pos_ + 1, e - pos_ - 1);
    pos_ = e + 1;
    if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "amp") out += '&';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      uint32_t cp = 0;
      bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
      const char* b = ent.data() + (hex ? 2 : 1);
      auto r = std::from_chars(b, ent.data() + ent.size(), cp, hex ? 16 : 10);
      if (r.ec != std::errc() || r.ptr != ent.data() + ent.size()) fail("bad character reference");
      utf8_append(out, static_cast<char32_t>(cp));
    } else {
      fail(str_cat("undefined entity '&", ent, ";'"));
    }
  }
  std::unique_ptr<Element> element(int depth) {
    if (depth > 256) fail("nesting too deep");
    ++pos_;  // '<'
    auto el = std::make_unique<Element>();
    el->tag = name();
    while (true) {
      skip_ws();
      if (pos_ >= s_.size()) fail("unexpected end of file in a tag");
      if (starts("/>")) {
        pos_ += 2;
        return el;
      }
      if (s_[pos_] == '>') {
        ++pos_;
        break;
      }
      std::string key = name();
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '=') fail("expected '=' after an attribute name");
      ++pos_;
      skip_ws();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) fail("expected a quoted attribute value");
      const char q = s_[pos_++];
      std::string value;
      while (pos_ < s_.size() && s_[pos_] != q) {
        if (s_[pos_] == '&') {
          entity(value);
        } else {
          value += s_[pos_++];
        }
      }
      if (pos_ >= s_.size()) fail("unterminated attribute value");
      ++pos_;
      el->attributes.emplace_back(std::move(key), std::move(value));
    }
    // content
    std::string* text = &el->text;
    std::string tail_sink;
    while (true) {
      if (pos_ >= s_.size()) fail(str_cat("element <", el->tag, "> is not closed"));
      char c = s_[pos_];
      if (c == '<') {
        if (starts("</")) {
          pos_ += 2;
          std::string end = name();
          if (end != el->tag) fail(str_cat("mismatched tag: <", el->tag, "> closed by </", end, ">"));
          skip_ws();
          if (pos_ >= s_.size() || s_[pos_] != '>') fail("expected '>'");
          ++pos_;
          return el;
        }
        if (starts("<!--")) {
          skip_until("-->");
        } else if (starts("<![CDATA[")) {
          size_t b = pos_ + 9;
          skip_until("]]>");
          text->append(s_, b, pos_ - 3 - b);
        } else if (starts("<?")) {
          skip_until("?>");
        } else {
          el->children.push_back(element(depth + 1));
          text = &tail_sink;  // text after a child is that child's tail, not el->text
        }
      } else if (c == '&') {
        entity(*text);
      } else {
        *text += c;
        ++pos_;
      }
    }
  }

  const std::string& s_;
  const std::string& src_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<const Element*> Element::findall(const std::string& name) const {
  std::vector<const Element*> out;
  for (const auto& c : children) {
    if (c->tag == name) out.push_back(c.get());
  }
  return out;
}

std::unique_ptr<Element> parse(const std::string& text, const std::string& source) {
  return Parser(text, source).document();
}

}  // namespace glip::formats::xml
