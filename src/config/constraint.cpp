// Constraints, scalar parsing and formatting shared by the config passes.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "config/detail.h"
#include "glip/core/error.h"

namespace glip::config {

Constraint Constraint::operator|(const Constraint& o) const {
  Constraint r = *this;
  if (!o.choices.empty()) r.choices = o.choices;
  r.must_exist = must_exist || o.must_exist;
  if (o.min && (!r.min || *o.min > *r.min)) r.min = o.min;
  if (o.max && (!r.max || *o.max < *r.max)) r.max = o.max;
  if (o.type_min) r.type_min = o.type_min;
  if (o.type_max) r.type_max = o.type_max;
  if (o.check) {
    r.check = o.check;
    r.check_desc = o.check_desc;
  }
  return r;
}

Constraint one_of(std::vector<std::string> allowed) {
  Constraint c;
  c.choices = std::move(allowed);
  return c;
}

Constraint existing_path() {
  Constraint c;
  c.must_exist = true;
  return c;
}

Constraint range(double lo, double hi) {
  Constraint c;
  c.min = lo;
  c.max = hi;
  return c;
}

Constraint at_least(double lo) {
  Constraint c;
  c.min = lo;
  return c;
}

Constraint check(std::string desc, std::function<std::string(const std::string&)> fn) {
  Constraint c;
  c.check = std::move(fn);
  c.check_desc = std::move(desc);
  return c;
}

namespace detail {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool parse_bool(const std::string& t, bool& out) {
  if (t == "true" || t == "True" || t == "TRUE" || t == "yes" || t == "Yes" || t == "on" || t == "On") {
    out = true;
    return true;
  }
  if (t == "false" || t == "False" || t == "FALSE" || t == "no" || t == "No" || t == "off" || t == "Off") {
    out = false;
    return true;
  }
  return false;
}

bool parse_int(const std::string& t, int64_t& out) {
  if (t.empty()) return false;
  size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (i == t.size()) return false;
  for (size_t k = i; k < t.size(); ++k)
    if (t[k] < '0' || t[k] > '9') return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0') return false;
  out = static_cast<int64_t>(v);
  return true;
}

bool parse_double(const std::string& t, double& out) {
  if (t == ".inf" || t == ".Inf" || t == "+.inf" || t == "inf") {
    out = INFINITY;
    return true;
  }
  if (t == "-.inf" || t == "-.Inf" || t == "-inf") {
    out = -INFINITY;
    return true;
  }
  if (t == ".nan" || t == ".NaN" || t == "nan") {
    out = NAN;
    return true;
  }
  if (t.empty() || std::isspace(static_cast<unsigned char>(t[0]))) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(t.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || std::isnan(v) || std::isinf(v)) return false;
  out = v;
  return true;
}

std::string format_double(double x) {
  if (std::isnan(x)) return ".nan";
  if (std::isinf(x)) return x > 0 ? ".inf" : "-.inf";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  std::string s(buf);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

namespace {
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}
std::string num(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e15) return std::to_string(static_cast<long long>(x));
  return format_double(x);
}
std::string range_text(const Constraint& c) {
  if (c.min && c.max) return "in [" + num(*c.min) + ", " + num(*c.max) + "]";
  if (c.min) return ">= " + num(*c.min);
  if (c.max) return "<= " + num(*c.max);
  return "";
}
}  // namespace

std::string check_string(const Constraint& c, const std::string& text) {
  if (!c.choices.empty()) {
    bool ok = false;
    for (const auto& a : c.choices) ok = ok || a == text;
    if (!ok) return "expected one of [" + join(c.choices) + "], got '" + text + "'";
  }
  if (c.must_exist && !text.empty() && !std::filesystem::exists(text)) return "path '" + text + "' does not exist";
  if (c.check) return c.check(text);
  return "";
}

std::string check_number(const Constraint& c, double x, const std::string& text) {
  // NaN fails every comparison, so the range test below would pass it: refuse non-finite values first.
  if (!std::isfinite(x)) return "expected a finite number, got " + text;
  if ((c.min && x < *c.min) || (c.max && x > *c.max)) return "expected a value " + range_text(c) + ", got " + text;
  if ((c.type_min && x < *c.type_min) || (c.type_max && x > *c.type_max)) {
    Constraint t;
    t.min = c.type_min;
    t.max = c.type_max;
    return "expected a value " + range_text(t) + ", got " + text;
  }
  return "";
}

std::string describe_type(const char* base, const Constraint& c) {
  std::string t = base;
  if (!c.choices.empty()) t = "one of [" + join(c.choices) + "]";
  if (c.must_exist) t = "path (must exist)";
  if (c.check && !c.check_desc.empty()) t += " (" + c.check_desc + ")";
  std::string r = range_text(c);
  if (!r.empty()) t += " " + r;
  return t;
}

}  // namespace detail
}  // namespace glip::config
