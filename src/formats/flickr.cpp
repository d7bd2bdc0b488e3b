// Flickr30K Entities file formats: Sentences/ID.txt markup, Annotations/ID.xml boxes, results JSON.
#include "glip/formats/flickr.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "formats/json_reader.h"
#include "formats/mini_xml.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::formats {
namespace {

bool is_py_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1f);
}

std::vector<std::string> split_ws(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_py_space(s[i])) ++i;
    size_t b = i;
    while (i < s.size() && !is_py_space(s[i])) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

std::vector<std::string> split_char(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + v[i];
  return out;
}

// Python int(text): optional surrounding whitespace and sign, decimal digits (underscores allowed between).
int64_t py_int(const std::string& raw, const std::string& path, const std::string& what) {
  size_t b = 0, e = raw.size();
  while (b < e && std::isspace(static_cast<unsigned char>(raw[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(raw[e - 1]))) --e;
  std::string digits;
  bool neg = false;
  size_t i = b;
  if (i < e && (raw[i] == '+' || raw[i] == '-')) neg = raw[i++] == '-';
  bool ok = i < e && std::isdigit(static_cast<unsigned char>(raw[i]));
  for (; ok && i < e; ++i) {
    if (std::isdigit(static_cast<unsigned char>(raw[i]))) {
      digits += raw[i];
    } else if (!(raw[i] == '_' && i + 1 < e && std::isdigit(static_cast<unsigned char>(raw[i + 1])) &&
                 std::isdigit(static_cast<unsigned char>(raw[i - 1])))) {
      ok = false;
    }
  }
  int64_t v = 0;
  if (ok) ok = std::from_chars(digits.data(), digits.data() + digits.size(), v).ec == std::errc();
  GLIP_CHECK_INPUT(ok, "file '", path, "': ", what, " is '", raw, "'; expected an integer");
  return neg ? -v : v;
}

const xml::Element& first_child(const xml::Element& el, const std::string& tag, const std::string& path) {
  auto found = el.findall(tag);
  GLIP_CHECK_INPUT(!found.empty(), "file '", path, "': <", el.tag, "> has no <", tag, "> element");
  return *found[0];
}

// Python's str() of a JSON scalar used as an id ("100000", "1", "1.0", "abc").
std::string py_str(JsonReader& r, const std::string& what) {
  switch (r.peek()) {
    case JsonReader::Type::kString: return r.read_string();
    case JsonReader::Type::kBool: return r.read_bool() ? "True" : "False";
    case JsonReader::Type::kNumber: {
      double v = r.read_number();
      if (std::isnan(v)) return "nan";
      if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
      if (v == std::floor(v) && std::fabs(v) < 1e16) {
        char buf[32];
        auto res = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(v));
        return std::string(buf, res.ptr);  // integers (a float id 1.0 would print "1.0" in Python)
      }
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof(buf), v);
      return std::string(buf, res.ptr);
    }
    default: r.fail_value(str_cat(what, ": expected a string or a number"));
  }
}

}  // namespace

std::vector<FlickrSentence> parse_flickr_sentences(const std::string& raw) {
  // Universal newlines, as Python's text mode.
  std::string text;
  text.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      text += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      text += raw[i];
    }
  }
  std::vector<FlickrSentence> out;
  for (const std::string& line : split_char(text, '\n')) {
    if (line.empty()) continue;
    std::vector<int> first_word;
    std::vector<std::string> phrases, phrase_id, words, current;
    std::vector<std::vector<std::string>> phrase_type;
    bool add_to_phrase = false;
    for (std::string token : split_ws(line)) {
      if (add_to_phrase) {
        if (token.back() == ']') {
          add_to_phrase = false;
          token.pop_back();
          current.push_back(token);
          phrases.push_back(join(current));
          current.clear();
        } else {
          current.push_back(token);
        }
        words.push_back(token);
      } else if (token[0] == '[') {
        add_to_phrase = true;
        first_word.push_back(static_cast<int>(words.size()));
        auto parts = split_char(token, '/');
        GLIP_CHECK_INPUT(parts.size() >= 2, "sentence markup '", token, "' has no '/EN#<id>' part");
        phrase_id.push_back(parts[1].size() > 3 ? parts[1].substr(3) : std::string());
        phrase_type.emplace_back(parts.begin() + 2, parts.end());
      } else {
        words.push_back(token);
      }
    }
    FlickrSentence s;
    s.sentence = join(words);
    const size_t n = std::min({first_word.size(), phrases.size(), phrase_id.size(), phrase_type.size()});
    for (size_t i = 0; i < n; ++i) s.phrases.push_back({first_word[i], phrases[i], phrase_id[i], phrase_type[i]});
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<std::array<double, 4>>>> parse_flickr_boxes(const std::string& xml_text,
                                                                                           const std::string& path) {
  auto root = xml::parse(xml_text, path);
  const xml::Element& size = first_child(*root, "size", path);
  for (const auto& el : size.children) {
    GLIP_CHECK_INPUT(!el->text.empty(), "file '", path, "': <size><", el->tag, "> is empty");
    py_int(el->text, path, str_cat("<size><", el->tag, ">"));
  }
  std::vector<std::pair<std::string, std::vector<std::array<double, 4>>>> boxes;
  for (const xml::Element* obj : root->findall("object")) {
    for (const xml::Element* name : obj->findall("name")) {
      const std::string& id = name->text;
      GLIP_CHECK_INPUT(!id.empty(), "file '", path, "': an <object> has an empty <name>");
      auto containers = obj->findall("bndbox");
      if (!containers.empty()) {
        const xml::Element& bb = *containers[0];
        std::array<double, 4> box{};
        const char* keys[4] = {"xmin", "ymin", "xmax", "ymax"};
        for (int i = 0; i < 4; ++i) {
          box[i] = static_cast<double>(
              py_int(first_child(bb, keys[i], path).text, path, str_cat("<bndbox><", keys[i], ">")));
        }
        auto it = std::find_if(boxes.begin(), boxes.end(), [&](const auto& p) { return p.first == id; });
        if (it == boxes.end()) {
          boxes.emplace_back(id, std::vector<std::array<double, 4>>{});
          it = boxes.end() - 1;
        }
        it->second.push_back(box);
      } else {
        py_int(first_child(*obj, "nobndbox", path).text, path, "<nobndbox>");
        py_int(first_child(*obj, "scene", path).text, path, "<scene>");
      }
    }
  }
  return boxes;
}

std::vector<FlickrPrediction> load_flickr_predictions(const std::string& path) {
  const std::string text = read_file(path);
  JsonReader r(text, path);
  if (r.peek() != JsonReader::Type::kArray) r.fail_value("results must be a list of {image_id, sentence_id, boxes}");
  std::vector<FlickrPrediction> out;
  r.begin_array();
  for (bool first = true; r.next_element(first);) {
    const std::string what = str_cat("results[", out.size(), "]");
    FlickrPrediction p;
    unsigned seen = 0;
    r.begin_object();
    for (bool f = true; r.next_key(f);) {
      if (r.key() == "image_id") {
        p.image_id = py_str(r, what + ".image_id");
        seen |= 1;
      } else if (r.key() == "sentence_id") {
        p.sentence_id = py_str(r, what + ".sentence_id");
        seen |= 2;
      } else if (r.key() == "boxes") {
        r.begin_array();
        for (bool a = true; r.next_element(a);) {
          auto& phrase = p.boxes.emplace_back();
          r.begin_array();
          for (bool b = true; r.next_element(b);) {
            auto& box = phrase.emplace_back();
            r.begin_array();
            for (bool c = true; r.next_element(c);) box.push_back(r.read_number());
          }
        }
        seen |= 4;
      } else {
        r.skip();
      }
    }
    static const char* kNames[] = {"image_id", "sentence_id", "boxes"};
    for (int i = 0; i < 3; ++i) {
      if (!(seen & (1u << i))) r.fail_value(str_cat(what, " has no '", kNames[i], "'"));
    }
    out.push_back(std::move(p));
  }
  r.expect_end();
  return out;
}

}  // namespace glip::formats
