// Private pieces of the official-config translation (src/config/official*.cpp): Python literal values as yacs
// reads them, the merged official tree, and the mapping table's entry type.
#pragma once
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace glip::config::official {

/** A value as yacs holds it after `ast.literal_eval`: None, bool, int, float, str, list, tuple or dict. */
struct Py {
  enum class T { kNone, kBool, kInt, kFloat, kStr, kList, kTuple, kDict };
  T t = T::kNone;
  bool b = false;
  int64_t i = 0;
  double f = 0.0;
  std::string s;
  std::vector<Py> items;                   ///< list / tuple elements
  std::vector<std::pair<Py, Py>> entries;  ///< dict entries in order

  static Py none() { return Py{}; }
  static Py boolean(bool v);
  static Py integer(int64_t v);
  static Py real(double v);
  static Py str(std::string v);

  bool is_number() const { return t == T::kInt || t == T::kFloat; }
  bool is_seq() const { return t == T::kList || t == T::kTuple; }
  double num() const { return t == T::kInt ? static_cast<double>(i) : f; }
  /** Python's repr: True, 0.0001, 'abc', (1, 2), [1.0], {'a': 1}. */
  std::string repr() const;
  /** Python's truth value (False, 0, 0.0, '', empty containers and None are false). */
  bool truthy() const;
};

/** Python equality as yacs compares merged values: 1 == 1.0, a list equals the tuple of the same elements. */
bool operator==(const Py& a, const Py& b);
inline bool operator!=(const Py& a, const Py& b) { return !(a == b); }

/** `ast.literal_eval(text)` for the literals configs use; nullopt when `text` is not one (it stays a string). */
std::optional<Py> parse_literal(const std::string& text);
/** Parses a literal that must be valid (the table's defaults); throws std::logic_error otherwise. */
Py literal(const std::string& text);

/** A YAML node as yacs decodes it: PyYAML's (YAML 1.1) scalar types, then literal_eval of strings. */
Py from_yaml(const YAML::Node& node);

/** The merged official config (its `_BASE_` chain applied) with the file that set each dotted key. */
struct Official {
  YAML::Node root;                            ///< a map with the official (upper-case) keys
  std::map<std::string, std::string> origin;  ///< dotted key -> file that set it (longest prefix applies)
  std::string top;                            ///< the file that was named (errors about unset keys name it)
  std::string source_of(const std::string& key) const;
};

class Ctx;

/** How the table treats an official key. */
enum class Kind {
  kMap,      ///< written to glip key(s)
  kFixed,    ///< glip implements one behaviour: accepted when the value selects it, else reported
  kIgnored,  ///< any value: not read by the code GLIP runs, or memory / speed / logging only
};

/** One row of the mapping table (official_table.cpp). */
struct Entry {
  std::string key;  ///< official dotted key, e.g. MODEL.DYHEAD.NUM_CONVS
  std::string def;  ///< its default in maskrcnn_benchmark/config/defaults.py, as a Python literal
  Kind kind = Kind::kMap;
  std::string glip;                 ///< docs: the glip key(s) written (kMap) or the accepted value(s) (kFixed)
  std::string note;                 ///< docs: how the value maps, or why it is fixed / ignored
  std::function<void(Ctx&)> apply;  ///< writes the glip keys or reports the problem (not called for kIgnored)
};

/** The mapping table: every official key glip understands, in docs order. */
const std::vector<Entry>& table();

/** What a table entry sees while the official config is translated. */
class Ctx {
 public:
  /** The entry's value: the file's, else the official default. */
  virtual const Py& value() const = 0;
  /** True when the file (or a `_BASE_`) sets the entry's key. */
  virtual bool is_set() const = 0;
  /** The value of another table key (file or default). */
  virtual const Py& get(const std::string& key) const = 0;
  /** Writes glip key `glip_key` (a dotted path) with `v` (a scalar or a list of scalars / dicts). */
  virtual void put(const std::string& glip_key, const Py& v) = 0;
  /** Reports that the entry's value cannot be mapped: `why` names what glip does instead. */
  virtual void problem(const std::string& why) = 0;
  virtual ~Ctx() = default;
};

/** Translation of a merged official config into glip keys. */
struct Translation {
  YAML::Node glip;                            ///< a map with glip keys
  std::map<std::string, std::string> origin;  ///< glip dotted key -> "file (OFFICIAL.KEY)" for messages
  std::vector<std::string> problems;          ///< "file: OFFICIAL.KEY: why", one per key that cannot be mapped
};

Translation translate(const Official& off);

}  // namespace glip::config::official
