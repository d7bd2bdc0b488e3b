/**
 * Typed config structs, declared once.
 *
 * A config section is a plain struct: each option is a member with its default value, and ONE line in the
 * struct's `visit` method gives its YAML key, its one-line doc and its constraints. Everything else (YAML
 * loading with `_base_`, `--set` overrides, validation, `--dump-config`, docs/configs.md) is derived from that
 * method by visitors, so an option is never declared twice.
 *
 * How to add a section (e.g. `world.*` for the synthetic world):
 *
 *   #include "glip/config/visitor.h"
 *   namespace glip::synth {
 *   struct WorldConfig {
 *     int64_t image_size = 160;
 *     std::string background = "noise";
 *     std::vector<std::string> shapes = {"circle", "square"};
 *     void visit(config::Visitor& v) {
 *       v("image_size", image_size, "side of the square images in pixels", config::range(32, 4096));
 *       v("background", background, "background kind", config::one_of({"flat", "noise"}));
 *       v("shapes", shapes, "shape names to draw");
 *     }
 *   };
 *   }
 *
 * A tool's root config composes sections (see glip/config/runtime.h for RuntimeConfig, whose keys sit at the
 * root of every tool's YAML):
 *
 *   struct SynthToolConfig {
 *     config::RuntimeConfig runtime;
 *     synth::WorldConfig world;
 *     void visit(config::Visitor& v) {
 *       runtime.visit(v);                                   // device, num_threads, seed, ... at the root
 *       v.section("world", world, "the synthetic grounding world");
 *     }
 *   };
 *
 * Then load it with glip::config::load_file (glip/config/config.h) or, in a tool, glip::cli::ConfigArgs
 * (tools/cli_common.h), and list the section in src/app/config_docs.cpp so docs/configs.md documents it.
 *
 * Supported member types: bool, int64_t (and other integers, range-checked), double (and float), std::string
 * (enums are strings with config::one_of), std::vector of those scalars, nested structs with a visit method
 * (v.section), and lists of such structs (v.list, e.g. `datasets: [{name: a, path: b}]`).
 */
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace glip::config {

/** Constraints of one option, checked after loading. Combine with `|`: `one_of({...}) | existing_path()`. */
struct Constraint {
  std::vector<std::string> choices;          ///< string enum: the allowed values
  bool must_exist = false;                   ///< string path: must exist when non-empty
  std::optional<double> min, max;            ///< numeric range (inclusive), also applied to list elements
  std::optional<double> type_min, type_max;  ///< range of the member's C++ type (checked, not documented)
  /** Free-form check of a string value: returns an error text (e.g. "expected auto|cpu|cuda|cuda:N"), or "". */
  std::function<std::string(const std::string&)> check;
  std::string check_desc;  ///< what `check` accepts, for the docs

  Constraint operator|(const Constraint& o) const;
};

/** String enum: the value must be one of `allowed`. */
Constraint one_of(std::vector<std::string> allowed);
/** String path that must exist (file or folder) when the value is non-empty. */
Constraint existing_path();
/** Numeric value (or every list element) in [lo, hi]. */
Constraint range(double lo, double hi);
/** Numeric value (or every list element) >= lo. */
Constraint at_least(double lo);
/** Custom string check: `fn` returns an error text or "". `desc` documents what is accepted. */
Constraint check(std::string desc, std::function<std::string(const std::string&)> fn);

class Visitor;

/** Type-erased access to a std::vector<Struct> for Visitor::list. */
struct ListAccess {
  std::function<size_t()> size;
  std::function<void(size_t)> resize;
  std::function<void(size_t, Visitor&)> visit_at;  ///< visits element i
  std::function<void(Visitor&)> visit_default;     ///< visits a default-constructed element (for docs)
};

/**
 * The one interface that every config pass implements (loader, dumper, docs, validator). Sections call
 * `v(key, member, doc[, constraint])`, `v.section(key, sub, doc)` and `v.list(key, vec, doc)`.
 */
class Visitor {
 public:
  virtual ~Visitor() = default;

  void operator()(const char* key, bool& x, const char* doc, const Constraint& c = {}) { on_bool(key, x, doc, c); }
  void operator()(const char* key, int64_t& x, const char* doc, const Constraint& c = {}) { on_int(key, x, doc, c); }
  void operator()(const char* key, double& x, const char* doc, const Constraint& c = {}) { on_double(key, x, doc, c); }
  void operator()(const char* key, std::string& x, const char* doc, const Constraint& c = {}) {
    on_string(key, x, doc, c);
  }
  void operator()(const char* key, std::vector<bool>& x, const char* doc, const Constraint& c = {}) {
    on_bool_list(key, x, doc, c);
  }
  void operator()(const char* key, std::vector<int64_t>& x, const char* doc, const Constraint& c = {}) {
    on_int_list(key, x, doc, c);
  }
  void operator()(const char* key, std::vector<double>& x, const char* doc, const Constraint& c = {}) {
    on_double_list(key, x, doc, c);
  }
  void operator()(const char* key, std::vector<std::string>& x, const char* doc, const Constraint& c = {}) {
    on_string_list(key, x, doc, c);
  }

  /** Other integer types (int, int32_t, size_t, ...): visited as int64 with the type's range enforced. */
  template <typename I,
            std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, int64_t>, int> = 0>
  void operator()(const char* key, I& x, const char* doc, const Constraint& c = {}) {
    int64_t tmp = static_cast<int64_t>(x);
    on_int(key, tmp, doc, with_type_range<I>(c));
    if (tmp >= static_cast<int64_t>(std::numeric_limits<I>::min()) &&
        static_cast<double>(tmp) <= static_cast<double>(std::numeric_limits<I>::max()))
      x = static_cast<I>(tmp);
  }
  void operator()(const char* key, float& x, const char* doc, const Constraint& c = {}) {
    double tmp = x;
    on_double(key, tmp, doc, c);
    x = static_cast<float>(tmp);
  }
  template <typename I,
            std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, int64_t>, int> = 0>
  void operator()(const char* key, std::vector<I>& x, const char* doc, const Constraint& c = {}) {
    std::vector<int64_t> tmp(x.begin(), x.end());
    on_int_list(key, tmp, doc, with_type_range<I>(c));
    x.assign(tmp.begin(), tmp.end());
  }
  void operator()(const char* key, std::vector<float>& x, const char* doc, const Constraint& c = {}) {
    std::vector<double> tmp(x.begin(), x.end());
    on_double_list(key, tmp, doc, c);
    x.assign(tmp.begin(), tmp.end());
  }

  /** A nested section: `key:` holds a map whose keys are the fields of S. */
  template <typename S>
  void section(const char* key, S& sub, const char* doc) {
    if (begin_section(key, doc)) {
      sub.visit(*this);
      end_section();
    }
  }

  /** A list of sections: `key: [{...}, {...}]`, each element a map of S's fields. */
  template <typename S>
  void list(const char* key, std::vector<S>& items, const char* doc) {
    ListAccess a;
    a.size = [&items] { return items.size(); };
    a.resize = [&items](size_t n) { items.resize(n); };
    a.visit_at = [&items](size_t i, Visitor& v) { items[i].visit(v); };
    a.visit_default = [](Visitor& v) {
      S proto;
      proto.visit(v);
    };
    on_list(key, a, doc);
  }

 protected:
  template <typename I>
  static Constraint with_type_range(const Constraint& c) {
    Constraint r = c;
    r.type_min = static_cast<double>(std::numeric_limits<I>::min());
    r.type_max = static_cast<double>(std::numeric_limits<I>::max());
    return r;
  }

  virtual void on_bool(const char* key, bool& x, const char* doc, const Constraint& c) = 0;
  virtual void on_int(const char* key, int64_t& x, const char* doc, const Constraint& c) = 0;
  virtual void on_double(const char* key, double& x, const char* doc, const Constraint& c) = 0;
  virtual void on_string(const char* key, std::string& x, const char* doc, const Constraint& c) = 0;
  virtual void on_bool_list(const char* key, std::vector<bool>& x, const char* doc, const Constraint& c) = 0;
  virtual void on_int_list(const char* key, std::vector<int64_t>& x, const char* doc, const Constraint& c) = 0;
  virtual void on_double_list(const char* key, std::vector<double>& x, const char* doc, const Constraint& c) = 0;
  virtual void on_string_list(const char* key, std::vector<std::string>& x, const char* doc, const Constraint& c) = 0;
  /** Returns false to skip the section's fields (end_section is then not called). */
  virtual bool begin_section(const char* key, const char* doc) = 0;
  virtual void end_section() = 0;
  virtual void on_list(const char* key, ListAccess& items, const char* doc) = 0;
};

/** Type-erased "something with visit(Visitor&)": what the non-template config functions take. */
using VisitFn = std::function<void(Visitor&)>;

template <typename T>
VisitFn visit_fn(T& cfg) {
  return [&cfg](Visitor& v) { cfg.visit(v); };
}

}  // namespace glip::config
