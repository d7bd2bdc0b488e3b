// Python literal values as yacs reads an official GLIP config: PyYAML's YAML 1.1 scalars, then
// ast.literal_eval of every string (so "(64, 128)" is a tuple and "ADAMW" stays a string).
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "config/official_detail.h"

namespace glip::config::official {

Py Py::boolean(bool v) {
  Py p;
  p.t = T::kBool;
  p.b = v;
  return p;
}
Py Py::integer(int64_t v) {
  Py p;
  p.t = T::kInt;
  p.i = v;
  return p;
}
Py Py::real(double v) {
  Py p;
  p.t = T::kFloat;
  p.f = v;
  return p;
}
Py Py::str(std::string v) {
  Py p;
  p.t = T::kStr;
  p.s = std::move(v);
  return p;
}

namespace {

/** Python's float repr: the shortest digits that read back, fixed notation for exponents -4 .. 15. */
std::string float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  for (int prec = 0; prec <= 16; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*e", prec, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  std::string s(buf);
  const size_t e = s.find('e');
  const int exp = std::atoi(s.c_str() + e + 1);
  std::string mant = s.substr(0, e);
  const bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    } else {
      const size_t int_len = static_cast<size_t>(exp) + 1;
      if (digits.size() <= int_len) out = digits + std::string(int_len - digits.size(), '0') + ".0";
      else out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  } else {
    out = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "") + "e" + (exp < 0 ? "-" : "+") +
          (std::abs(exp) < 10 ? "0" : "") + std::to_string(std::abs(exp));
  }
  return (neg ? "-" : "") + out;
}

std::string str_repr(const std::string& s) {
  const bool use_double = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = use_double ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == q) out += std::string("\\") + q;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + q;
}

/** A recursive-descent reader of the literal subset configs use. */
class Reader {
 public:
  explicit Reader(const std::string& s) : s_(s) {}

  std::optional<Py> all() {
    auto v = value(0);
    if (!v) return std::nullopt;
    ws();
    if (p_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  void ws() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }
  bool eat(char c) {
    ws();
    if (p_ < s_.size() && s_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool word(const char* w) {
    const std::string ww(w);
    if (s_.compare(p_, ww.size(), ww) != 0) return false;
    const size_t end = p_ + ww.size();
    if (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_')) return false;
    p_ = end;
    return true;
  }

  std::optional<Py> value(int depth) {
    if (depth > 64) return std::nullopt;
    ws();
    if (p_ >= s_.size()) return std::nullopt;
    const char c = s_[p_];
    if (c == '(' || c == '[') return sequence(depth, c);
    if (c == '{') return dict(depth);
    if (c == '\'' || c == '"') return string();
    if (word("True")) return Py::boolean(true);
    if (word("False")) return Py::boolean(false);
    if (word("None")) return Py::none();
    if (c == '-' || c == '+') {
      ++p_;
      auto v = value(depth + 1);
      if (!v || !v->is_number()) return std::nullopt;
      if (c == '-') {
        if (v->t == Py::T::kInt) v->i = -v->i;
        else v->f = -v->f;
      }
      return v;
    }
    return number();
  }

  std::optional<Py> sequence(int depth, char open) {
    const char close = open == '(' ? ')' : ']';
    ++p_;
    Py out;
    out.t = open == '(' ? Py::T::kTuple : Py::T::kList;
    bool comma = false;
    while (true) {
      if (eat(close)) break;
      if (!out.items.empty() && !comma) return std::nullopt;
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      out.items.push_back(std::move(*v));
      comma = eat(',');
      if (!comma && !eat(close)) return std::nullopt;
      if (!comma) break;
    }
    if (open == '(' && out.items.size() == 1 && !comma) return out.items[0];  // (x) is x; (x,) is a tuple
    return out;
  }

  std::optional<Py> dict(int depth) {
    ++p_;
    Py out;
    out.t = Py::T::kDict;
    while (true) {
      if (eat('}')) break;
      auto k = value(depth + 1);
      if (!k || !eat(':')) return std::nullopt;
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      out.entries.emplace_back(std::move(*k), std::move(*v));
      if (eat(',')) continue;
      if (eat('}')) break;
      return std::nullopt;
    }
    return out;
  }

  std::optional<Py> string() {
    const char q = s_[p_++];
    std::string out;
    while (p_ < s_.size() && s_[p_] != q) {
      char c = s_[p_++];
      if (c == '\n') return std::nullopt;
      if (c == '\\' && p_ < s_.size()) {
        const char e = s_[p_++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case '\\':
          case '\'':
          case '"': out += e; break;
          default: out += '\\'; out += e;
        }
        continue;
      }
      out += c;
    }
    if (p_ >= s_.size()) return std::nullopt;
    ++p_;
    return Py::str(std::move(out));
  }

  std::optional<Py> number() {
    const size_t start = p_;
    std::string digits;
    bool is_float = false, any = false;
    auto run = [&] {
      bool got = false;
      while (p_ < s_.size() &&
             (std::isdigit(static_cast<unsigned char>(s_[p_])) ||
              (got && s_[p_] == '_' && p_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_ + 1]))))) {
        if (s_[p_] != '_') digits += s_[p_];
        ++p_;
        got = true;
      }
      return got;
    };
    any = run();
    if (p_ < s_.size() && s_[p_] == '.') {
      is_float = true;
      digits += s_[p_++];
      any = run() || any;
    }
    if (!any) {
      p_ = start;
      return std::nullopt;
    }
    if (p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E')) {
      is_float = true;
      digits += 'e';
      ++p_;
      if (p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-')) digits += s_[p_++];
      if (!run()) return std::nullopt;
    }
    if (p_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[p_])) || s_[p_] == '_')) return std::nullopt;
    errno = 0;
    if (!is_float) {
      if (digits.size() > 1 && digits[0] == '0') return std::nullopt;  // Python 3 refuses 010
      char* end = nullptr;
      const long long v = std::strtoll(digits.c_str(), &end, 10);
      if (errno == ERANGE) return std::nullopt;
      return Py::integer(v);
    }
    return Py::real(std::strtod(digits.c_str(), nullptr));
  }

  const std::string& s_;
  size_t p_ = 0;
};

/** PyYAML's implicit resolution of a plain scalar (YAML 1.1): bool, null, int, float, else a string. */
std::optional<Py> yaml11_plain(const std::string& t) {
  static const char* kTrue[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const char* kFalse[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  for (const char* w : kTrue)
    if (t == w) return Py::boolean(true);
  for (const char* w : kFalse)
    if (t == w) return Py::boolean(false);
  if (t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL") return Py::none();
  if (t == ".inf" || t == ".Inf" || t == ".INF" || t == "+.inf") return Py::real(INFINITY);
  if (t == "-.inf" || t == "-.Inf" || t == "-.INF") return Py::real(-INFINITY);
  if (t == ".nan" || t == ".NaN" || t == ".NAN") return Py::real(NAN);
  return std::nullopt;
}

}  // namespace

std::string Py::repr() const {
  switch (t) {
    case T::kNone: return "None";
    case T::kBool: return b ? "True" : "False";
    case T::kInt: return std::to_string(i);
    case T::kFloat: return float_repr(f);
    case T::kStr: return str_repr(s);
    case T::kList:
    case T::kTuple: {
      std::string out = t == T::kList ? "[" : "(";
      for (size_t k = 0; k < items.size(); ++k) out += (k ? ", " : "") + items[k].repr();
      if (t == T::kTuple && items.size() == 1) out += ",";
      return out + (t == T::kList ? "]" : ")");
    }
    case T::kDict: {
      std::string out = "{";
      for (size_t k = 0; k < entries.size(); ++k)
        out += (k ? ", " : "") + entries[k].first.repr() + ": " + entries[k].second.repr();
      return out + "}";
    }
  }
  return "?";
}

bool Py::truthy() const {
  switch (t) {
    case T::kNone: return false;
    case T::kBool: return b;
    case T::kInt: return i != 0;
    case T::kFloat: return f != 0.0;
    case T::kStr: return !s.empty();
    case T::kList:
    case T::kTuple: return !items.empty();
    case T::kDict: return !entries.empty();
  }
  return false;
}

bool operator==(const Py& a, const Py& b) {
  if (a.is_number() && b.is_number()) return a.num() == b.num();
  if (a.is_seq() && b.is_seq()) return a.items == b.items;
  if (a.t != b.t) return false;
  switch (a.t) {
    case Py::T::kNone: return true;
    case Py::T::kBool: return a.b == b.b;
    case Py::T::kStr: return a.s == b.s;
    case Py::T::kDict: return a.entries == b.entries;
    default: return false;
  }
}

std::optional<Py> parse_literal(const std::string& text) { return Reader(text).all(); }

Py literal(const std::string& text) {
  auto v = parse_literal(text);
  if (!v) throw std::logic_error("official config table: '" + text + "' is not a Python literal");
  return *v;
}

Py from_yaml(const YAML::Node& node) {
  if (!node || node.IsNull()) return Py::none();
  if (node.IsSequence()) {
    Py out;
    out.t = Py::T::kList;
    for (const auto& e : node) out.items.push_back(from_yaml(e));
    return out;
  }
  if (node.IsMap()) {
    Py out;
    out.t = Py::T::kDict;
    for (const auto& kv : node) out.entries.emplace_back(Py::str(kv.first.Scalar()), from_yaml(kv.second));
    return out;
  }
  const std::string& text = node.Scalar();
  const bool plain = node.Tag() == "?";  // yaml-cpp tags quoted scalars "!"
  if (plain)
    if (auto v = yaml11_plain(text)) return *v;
  if (auto v = parse_literal(text)) return *v;  // yacs: literal_eval, else the string itself
  return Py::str(text);
}

}  // namespace glip::config::official
