// The loading pass: copies a merged YAML tree into a typed config, checking types, constraints and unknown keys,
// and throws one InputError that lists every problem.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <set>

#include "config/detail.h"
#include "glip/config/config.h"
#include "glip/core/error.h"

namespace glip::config {
namespace detail {
namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

/** What a node holds, for "got ..." in messages. */
std::string show(const YAML::Node& n) {
  if (n.IsNull()) return "null";
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return "'" + n.Scalar() + "'";
}

std::string last_component(const std::string& path) {
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

/** True for an official GLIP key (MODEL, SOLVER, ...): upper-case letters, digits and '_'. */
bool is_upper(const std::string& key) {
  bool letter = false;
  for (char c : key) {
    if (c >= 'a' && c <= 'z') return false;
    letter = letter || (c >= 'A' && c <= 'Z');
  }
  return letter;
}

const char* const official_hint =
    " (an official GLIP key: it is read from an official config file; --set takes glip keys, docs/configs.md)";

bool close_enough(const std::string& a, const std::string& b, size_t& dist) {
  dist = edit_distance(lower(a), lower(b));
  return dist <= std::max<size_t>(2, a.size() / 3) && 2 * dist <= std::max(a.size(), b.size());
}

struct Frame {
  std::string prefix;
  std::vector<std::pair<std::string, YAML::Node>> entries;  // keys of the YAML map, in file order
  std::set<std::string> consumed;
  std::vector<std::string> known;  // field names of the struct
};

class Loader : public Visitor {
 public:
  Loader(const Tree& tree, std::vector<std::string> all_keys, std::vector<std::string>& errors)
      : tree_(tree), all_keys_(std::move(all_keys)), errors_(errors) {
    push("", tree.root);
  }

  void finish() {
    pop();
    if (unknown_ > kMaxUnknownKeysListed)
      errors_.push_back(str_cat("... and ", unknown_ - kMaxUnknownKeysListed, " more unknown keys"));
  }

 protected:
  void on_bool(const char* key, bool& x, const char* doc, const Constraint& c) override {
    if (auto n = take(key)) {
      bool v;
      if (n->IsScalar() && parse_bool(n->Scalar(), v)) x = v;
      else mismatch(key, "bool", c, *n);
    }
  }

  void on_int(const char* key, int64_t& x, const char* doc, const Constraint& c) override {
    if (auto n = take(key)) {
      int64_t v;
      if (n->IsScalar() && parse_int(n->Scalar(), v)) x = v;
      else if (!mismatch(key, "int", c, *n)) return;
    }
    report(key, check_number(c, static_cast<double>(x), std::to_string(x)));
  }

  void on_double(const char* key, double& x, const char* doc, const Constraint& c) override {
    if (auto n = take(key)) {
      double v;
      if (n->IsScalar() && parse_double(n->Scalar(), v)) x = v;
      else if (!mismatch(key, "float", c, *n)) return;
    }
    report(key, check_number(c, x, format_double(x)));
  }

  void on_string(const char* key, std::string& x, const char* doc, const Constraint& c) override {
    if (auto n = take(key)) {
      if (n->IsScalar()) x = n->Scalar();
      else if (!mismatch(key, "string", c, *n)) return;
    }
    report(key, check_string(c, x));
  }

  void on_bool_list(const char* key, std::vector<bool>& x, const char* doc, const Constraint& c) override {
    list_of<bool>(key, x, "bool", c, parse_bool, [](const Constraint&, bool, const std::string&) { return ""; });
  }
  void on_int_list(const char* key, std::vector<int64_t>& x, const char* doc, const Constraint& c) override {
    list_of<int64_t>(key, x, "int", c, parse_int, [](const Constraint& cc, int64_t v, const std::string& t) {
      return check_number(cc, static_cast<double>(v), t);
    });
  }
  void on_double_list(const char* key, std::vector<double>& x, const char* doc, const Constraint& c) override {
    list_of<double>(key, x, "float", c, parse_double,
                    [](const Constraint& cc, double v, const std::string& t) { return check_number(cc, v, t); });
  }
  void on_string_list(const char* key, std::vector<std::string>& x, const char* doc, const Constraint& c) override {
    auto parse_str = [](const std::string& t, std::string& out) {
      out = t;
      return true;
    };
    list_of<std::string>(
        key, x, "string", c, parse_str,
        [](const Constraint& cc, const std::string& v, const std::string&) { return check_string(cc, v); });
  }

  bool begin_section(const char* key, const char* doc) override {
    auto n = take(key);
    if (n && !n->IsMap() && !n->IsNull()) {
      report(key, "expected a section (a map of keys), got " + show(*n));
      n.reset();
    }
    push(path(key), n ? *n : YAML::Node());
    return true;
  }
  void end_section() override { pop(); }

  void on_list(const char* key, ListAccess& items, const char* doc) override {
    auto n = take(key);
    const std::string base = path(key);
    if (n && !n->IsSequence()) {
      report(key, "expected a list of sections, got " + show(*n));
      n.reset();
    }
    if (n) items.resize(n->size());
    for (size_t i = 0; i < items.size(); ++i) {
      YAML::Node elem;
      if (n) {
        elem = (*n)[i];
        if (!elem.IsMap() && !elem.IsNull()) {
          report(key + ("." + std::to_string(i)), "expected a section (a map of keys), got " + show(elem));
          elem = YAML::Node();
        }
      }
      push(base + "." + std::to_string(i), elem);
      items.visit_at(i, *this);
      pop();
    }
  }

 private:
  std::string path(const std::string& key) const {
    const std::string& p = stack_.back().prefix;
    return p.empty() ? key : p + "." + key;
  }

  void push(const std::string& prefix, const YAML::Node& node) {
    Frame f;
    f.prefix = prefix;
    if (node.IsMap())
      for (const auto& kv : node) f.entries.emplace_back(kv.first.as<std::string>(), kv.second);
    stack_.push_back(std::move(f));
  }

  /** Reports the keys of the current map that no field consumed, then leaves it. */
  void pop() {
    Frame& f = stack_.back();
    for (const auto& [key, node] : f.entries) {
      if (f.consumed.count(key) || (f.prefix.empty() && key == "_base_")) continue;
      if (++unknown_ > kMaxUnknownKeysListed) continue;  // counted only: suggestions cost a scan of every key
      const std::string full = f.prefix.empty() ? key : f.prefix + "." + key;
      std::string src = tree_.source_of(full);
      const bool official = f.prefix.empty() && is_upper(key);
      errors_.push_back((src.empty() ? "" : src + ": ") + "unknown key '" + full + "'" +
                        (official ? official_hint : suggest(f, key)));
    }
    stack_.pop_back();
  }

  std::string suggest(const Frame& f, const std::string& key) const {
    size_t best = SIZE_MAX, d;
    std::string pick;
    for (const auto& k : f.known)
      if (close_enough(key, k, d) && d < best) best = d, pick = f.prefix.empty() ? k : f.prefix + "." + k;
    if (pick.empty())  // a key in the wrong section: match the last component of every known key
      for (const auto& k : all_keys_)
        if (close_enough(key, last_component(k), d) && d < best) best = d, pick = k;
    return pick.empty() ? "" : " (did you mean '" + pick + "'?)";
  }

  std::optional<YAML::Node> take(const std::string& key) {
    Frame& f = stack_.back();
    f.known.push_back(key);
    for (const auto& [k, node] : f.entries) {
      if (k == key) {
        f.consumed.insert(key);
        return node;
      }
    }
    return std::nullopt;
  }

  void report(const std::string& key, const std::string& problem) {
    if (problem.empty()) return;
    const std::string full = path(key);
    std::string src = tree_.source_of(full);
    errors_.push_back((src.empty() ? "" : src + ": ") + "key '" + full + "': " + problem);
  }

  /** Records a type mismatch; returns false (so the caller skips its constraint check). */
  bool mismatch(const std::string& key, const char* type, const Constraint& c, const YAML::Node& n) {
    report(key, "expected " + describe_type(type, c) + ", got " + show(n));
    return false;
  }

  template <typename T, typename Parse, typename Check>
  void list_of(const char* key, std::vector<T>& x, const char* type, const Constraint& c, Parse parse, Check check) {
    if (auto n = take(key)) {
      if (!n->IsSequence()) {
        report(key, "expected " + describe_type(("list of " + std::string(type)).c_str(), c) + ", got " + show(*n));
        return;
      }
      std::vector<T> out;
      bool ok = true;
      for (size_t i = 0; i < n->size(); ++i) {
        const YAML::Node e = (*n)[i];
        T v{};
        if (e.IsScalar() && parse(e.Scalar(), v)) {
          out.push_back(v);
        } else {
          report(std::string(key) + "." + std::to_string(i), "expected " + describe_type(type, c) + ", got " + show(e));
          ok = false;
        }
      }
      if (!ok) return;
      x = std::move(out);
      for (size_t i = 0; i < x.size(); ++i)
        report(std::string(key) + "." + std::to_string(i), check(c, x[i], (*n)[i].Scalar()));
      return;
    }
    for (size_t i = 0; i < x.size(); ++i) {
      std::string text;
      if constexpr (std::is_same_v<T, std::string>) text = x[i];
      else if constexpr (std::is_same_v<T, double>) text = format_double(x[i]);
      else text = std::to_string(x[i]);
      report(std::string(key) + "." + std::to_string(i), check(c, x[i], text));
    }
  }

  const Tree& tree_;
  std::vector<std::string> all_keys_;
  std::vector<std::string>& errors_;
  std::vector<Frame> stack_;
  size_t unknown_ = 0;
};

[[noreturn]] void throw_errors(const std::vector<std::string>& errors) {
  std::string msg = str_cat("invalid config (", errors.size(), errors.size() == 1 ? " problem" : " problems", "):");
  for (const auto& e : errors) msg += "\n  - " + e;
  throw InputError(msg);
}

}  // namespace

void apply_tree(const Tree& tree, const VisitFn& cfg) {
  std::vector<std::string> keys;
  for (const auto& d : describe(cfg))
    if (d.key.find("[]") == std::string::npos) keys.push_back(d.key);
  std::vector<std::string> errors = tree.errors;
  Loader loader(tree, std::move(keys), errors);
  cfg(loader);
  loader.finish();
  if (!errors.empty()) throw_errors(errors);
}

}  // namespace detail

void load_file(const VisitFn& cfg, const std::string& path, const std::vector<std::string>& overrides) {
  detail::Tree tree = detail::read_file_tree(path);
  detail::apply_overrides(tree, overrides);
  detail::apply_tree(tree, cfg);
}

void load_string(const VisitFn& cfg, const std::string& yaml_text, const std::vector<std::string>& overrides,
                 const std::string& source) {
  detail::Tree tree = detail::read_string_tree(yaml_text, source);
  detail::apply_overrides(tree, overrides);
  detail::apply_tree(tree, cfg);
}

void validate(const VisitFn& cfg) {
  detail::Tree tree;
  tree.root = YAML::Node(YAML::NodeType::Map);
  detail::apply_tree(tree, cfg);
}

}  // namespace glip::config
