// The dumping pass (config -> YAML text) and the describing pass (config -> documented option list).
#include "config/detail.h"
#include "glip/config/config.h"
#include "glip/core/error.h"

namespace glip::config {
namespace detail {
namespace {

bool needs_quotes(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

void emit_string(YAML::Emitter& out, const std::string& s) {
  if (needs_quotes(s)) out << YAML::DoubleQuoted << s;
  else out << s;
}

class Dumper : public Visitor {
 public:
  explicit Dumper(YAML::Emitter& out) : out_(out) {}

 protected:
  void on_bool(const char* key, bool& x, const char*, const Constraint&) override {
    out_ << YAML::Key << key << YAML::Value << (x ? "true" : "false");
  }
  void on_int(const char* key, int64_t& x, const char*, const Constraint&) override {
    out_ << YAML::Key << key << YAML::Value << std::to_string(x);
  }
  void on_double(const char* key, double& x, const char*, const Constraint&) override {
    out_ << YAML::Key << key << YAML::Value << format_double(x);
  }
  void on_string(const char* key, std::string& x, const char*, const Constraint&) override {
    out_ << YAML::Key << key << YAML::Value;
    emit_string(out_, x);
  }
  void on_bool_list(const char* key, std::vector<bool>& x, const char*, const Constraint&) override {
    seq(key, x, [](bool v) { return std::string(v ? "true" : "false"); });
  }
  void on_int_list(const char* key, std::vector<int64_t>& x, const char*, const Constraint&) override {
    seq(key, x, [](int64_t v) { return std::to_string(v); });
  }
  void on_double_list(const char* key, std::vector<double>& x, const char*, const Constraint&) override {
    seq(key, x, [](double v) { return format_double(v); });
  }
  void on_string_list(const char* key, std::vector<std::string>& x, const char*, const Constraint&) override {
    out_ << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& s : x) emit_string(out_, s);
    out_ << YAML::EndSeq;
  }
  bool begin_section(const char* key, const char*) override {
    out_ << YAML::Key << key << YAML::Value << YAML::BeginMap;
    return true;
  }
  void end_section() override { out_ << YAML::EndMap; }
  void on_list(const char* key, ListAccess& items, const char*) override {
    out_ << YAML::Key << key << YAML::Value;
    if (items.size() == 0) {
      out_ << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      return;
    }
    out_ << YAML::BeginSeq;
    for (size_t i = 0; i < items.size(); ++i) {
      out_ << YAML::BeginMap;
      items.visit_at(i, *this);
      out_ << YAML::EndMap;
    }
    out_ << YAML::EndSeq;
  }

 private:
  template <typename V, typename F>
  void seq(const char* key, const std::vector<V>& x, F fmt) {
    out_ << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& v : x) out_ << fmt(v);
    out_ << YAML::EndSeq;
  }
  YAML::Emitter& out_;
};

/** Records every option with its full key, type, current value (the default) and doc. */
class Describer : public Visitor {
 public:
  std::vector<OptionDoc> docs;

 protected:
  void on_bool(const char* key, bool& x, const char* doc, const Constraint& c) override {
    add(key, describe_type("bool", c), x ? "true" : "false", doc);
  }
  void on_int(const char* key, int64_t& x, const char* doc, const Constraint& c) override {
    add(key, describe_type("int", c), std::to_string(x), doc);
  }
  void on_double(const char* key, double& x, const char* doc, const Constraint& c) override {
    add(key, describe_type("float", c), format_double(x), doc);
  }
  void on_string(const char* key, std::string& x, const char* doc, const Constraint& c) override {
    add(key, describe_type("string", c), needs_quotes(x) ? "\"" + x + "\"" : x, doc);
  }
  void on_bool_list(const char* key, std::vector<bool>& x, const char* doc, const Constraint& c) override {
    add(key, describe_type("list of bool", c), inline_yaml(key, [&](Visitor& v) { v(key, x, doc); }), doc);
  }
  void on_int_list(const char* key, std::vector<int64_t>& x, const char* doc, const Constraint& c) override {
    add(key, describe_type("list of int", c), inline_yaml(key, [&](Visitor& v) { v(key, x, doc); }), doc);
  }
  void on_double_list(const char* key, std::vector<double>& x, const char* doc, const Constraint& c) override {
    add(key, describe_type("list of float", c), inline_yaml(key, [&](Visitor& v) { v(key, x, doc); }), doc);
  }
  void on_string_list(const char* key, std::vector<std::string>& x, const char* doc, const Constraint& c) override {
    add(key, describe_type("list of string", c), inline_yaml(key, [&](Visitor& v) { v(key, x, doc); }), doc);
  }
  bool begin_section(const char* key, const char* doc) override {
    add(key, "section", "", doc);
    prefix_.push_back(key);
    return true;
  }
  void end_section() override { prefix_.pop_back(); }
  void on_list(const char* key, ListAccess& items, const char* doc) override {
    add(key, "list of sections", items.size() == 0 ? "[]" : str_cat("(", items.size(), " items)"), doc);
    prefix_.push_back(std::string(key) + "[]");
    items.visit_default(*this);
    prefix_.pop_back();
  }

 private:
  void add(const std::string& key, std::string type, std::string def, const char* doc) {
    std::string full;
    for (const auto& p : prefix_) full += p + ".";
    docs.push_back({full + key, std::move(type), std::move(def), doc ? doc : ""});
  }
  /** The flow-style YAML of one list value, e.g. "[1, 2, 3]". */
  static std::string inline_yaml(const char* key, const VisitFn& fn) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    Dumper d(out);
    fn(d);
    out << YAML::EndMap;
    std::string s = out.c_str();
    const std::string head = std::string(key) + ": ";
    return s.compare(0, head.size(), head) == 0 ? s.substr(head.size()) : s;
  }
  std::vector<std::string> prefix_;
};

}  // namespace
}  // namespace detail

std::string dump(const VisitFn& cfg) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  detail::Dumper d(out);
  cfg(d);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::vector<OptionDoc> describe(const VisitFn& cfg) {
  detail::Describer d;
  cfg(d);
  return std::move(d.docs);
}

}  // namespace glip::config
