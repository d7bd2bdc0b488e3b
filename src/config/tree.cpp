// YAML files with `_base_` inheritance, deep merging and `--set` overrides, tracking which source set each key.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "config/detail.h"
#include "glip/core/error.h"

namespace glip::config::detail {
namespace {

namespace fs = std::filesystem;

std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

/** Forgets the origins of `path` and everything below it. */
void erase_below(std::map<std::string, std::string>& origin, const std::string& path) {
  origin.erase(path);
  const std::string pre = path + ".";
  for (auto it = origin.lower_bound(pre); it != origin.end() && it->first.compare(0, pre.size(), pre) == 0;)
    it = origin.erase(it);
}

/** Records `source` as the origin of `path` and of every key below it. */
void mark(std::map<std::string, std::string>& origin, const std::string& path, const YAML::Node& node,
          const std::string& source) {
  origin[path] = source;
  if (node.IsMap())
    for (const auto& kv : node) mark(origin, path + "." + kv.first.as<std::string>(), kv.second, source);
}

}  // namespace

void merge_into(YAML::Node into, const YAML::Node& child, const std::string& prefix, const std::string& source,
                std::map<std::string, std::string>& origin) {
  // An index of `into`'s keys: yaml-cpp looks map keys up one by one, which made many keys quadratic.
  std::unordered_map<std::string, YAML::Node> index;
  for (const auto& e : into) index.emplace(e.first.as<std::string>(), e.second);
  for (const auto& kv : child) {
    const std::string key = kv.first.as<std::string>();
    if (prefix.empty() && key == "_base_") continue;
    const std::string path = join_path(prefix, key);
    auto found = index.find(key);
    // `solver:` with nothing under it overrides nothing (it used to drop the base's whole section silently).
    if (found != index.end() && found->second.IsMap() && kv.second.IsNull()) continue;
    if (found != index.end() && found->second.IsMap() && kv.second.IsMap()) {
      origin[path] = source;
      merge_into(found->second, kv.second, path, source, origin);
      continue;
    }
    erase_below(origin, path);
    if (found != index.end()) {
      found->second = YAML::Clone(kv.second);  // assigns through the handle: replaces the value inside `into`
    } else {
      YAML::Node value = YAML::Clone(kv.second);
      into.force_insert(key, value);
      index.emplace(key, value);
    }
    mark(origin, path, kv.second, source);
  }
}

namespace {

std::string yaml_error(const std::string& source, const YAML::Exception& e) {
  std::string what = e.msg.empty() ? e.what() : e.msg;
  if (e.mark.is_null()) return source + ": YAML syntax error: " + what;
  return str_cat(source, ": YAML syntax error at line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ", what);
}

/**
 * "" when `doc` keeps within the size limits and every map key is a plain string, else the problem. Iterative,
 * so that it is safe on any depth yaml-cpp accepts.
 */
std::string shape_problem(const YAML::Node& doc) {
  std::vector<std::pair<YAML::Node, size_t>> stack{{doc, 1}};
  size_t nodes = 0;
  while (!stack.empty()) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    if (++nodes > kMaxYamlNodes) return str_cat("more than ", kMaxYamlNodes, " values (a config never needs so many)");
    if (!n.IsMap() && !n.IsSequence()) continue;
    if (depth > kMaxYamlDepth) return str_cat("maps and lists nested deeper than ", kMaxYamlDepth, " levels");
    if (n.size() > kMaxMapKeys)
      return str_cat("a ", n.IsMap() ? "map" : "list", " with ", n.size(), " entries (at most ", kMaxMapKeys, ")");
    for (const auto& kv : n) {
      if (n.IsSequence()) {
        stack.emplace_back(kv, depth + 1);
        continue;
      }
      if (!kv.first.IsScalar()) return "a map key that is not a plain string";
      stack.emplace_back(kv.second, depth + 1);
    }
  }
  return "";
}

std::string open_quote_error(const std::string& source, size_t line) {
  return str_cat(source, ": line ", line,
                 ": a quoted string is not closed on the line it opens (close the quote; a "
                 "quoted string over several lines is not supported in glip configs)");
}

/** Parses one document; on error records it and returns an empty map. */
YAML::Node parse(const std::string& text, const std::string& source, std::vector<std::string>& errors) {
  const size_t open_quote_line = unclosed_quote_line(text);
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    errors.push_back(open_quote_line ? open_quote_error(source, open_quote_line) : yaml_error(source, e));
    return YAML::Node(YAML::NodeType::Map);
  }
  // An official config (upper-case keys, as PyYAML writes them) may fold a long quoted string over several lines;
  // a glip config never needs to, and there an open quote would swallow the rest of the file.
  if (open_quote_line && !(doc.IsMap() && doc_kind(doc) == DocKind::kOfficial)) {
    errors.push_back(open_quote_error(source, open_quote_line));
    return YAML::Node(YAML::NodeType::Map);
  }
  if (!doc || doc.IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (!doc.IsMap()) {
    errors.push_back(source + ": expected a map of keys at the top level");
    return YAML::Node(YAML::NodeType::Map);
  }
  if (std::string problem = shape_problem(doc); !problem.empty()) {
    errors.push_back(source + ": refused: " + problem);
    return YAML::Node(YAML::NodeType::Map);
  }
  return doc;
}

}  // namespace

std::optional<YAML::Node> read_config_file(Tree& tree, const std::string& path, const std::string& included_by,
                                           const std::vector<std::string>& chain) {
  for (const auto& c : chain) {
    std::error_code e1, e2;  // a symlink loop is reported when the file is opened below
    if (fs::weakly_canonical(c, e1) == fs::weakly_canonical(path, e2) && !e1 && !e2) {
      std::string cycle;
      for (const auto& x : chain) cycle += x + " -> ";
      tree.errors.push_back(included_by + ": _base_ cycle: " + cycle + path);
      return std::nullopt;
    }
  }
  if (++tree.files_read > kMaxConfigFiles) {
    if (tree.files_read == kMaxConfigFiles + 1)
      tree.errors.push_back(str_cat(included_by, ": _base_ includes read more than ", kMaxConfigFiles,
                                    " config files (a file included by several others is read each time); refused"));
    return std::nullopt;
  }
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in.good() || fs::is_directory(path, ec)) {
    if (included_by.empty()) tree.errors.push_back("config file '" + path + "' does not exist");
    else tree.errors.push_back(included_by + ": _base_ file '" + path + "' does not exist");
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path, tree.errors);
}

DocKind doc_kind(const YAML::Node& doc) {
  bool official = false, glip = false;
  for (const auto& kv : doc) {
    const std::string key = kv.first.Scalar();
    if (key == "_base_") {
      glip = true;
    } else if (key == "_BASE_") {
      official = true;
    } else {
      bool upper = false, lower = false;
      for (char c : key) {
        upper = upper || (c >= 'A' && c <= 'Z');
        lower = lower || (c >= 'a' && c <= 'z');
      }
      official = official || (upper && !lower);
      glip = glip || !(upper && !lower);
    }
  }
  if (official && glip) return DocKind::kMixed;
  return official ? DocKind::kOfficial : DocKind::kGlip;
}

namespace {

void load_into(Tree& tree, const YAML::Node& doc, const std::string& source, const fs::path& dir,
               std::vector<std::string>& chain);

/** Merges parsed document `doc` of `source` into the tree: a glip config, or an official one translated. */
void load_doc(Tree& tree, const YAML::Node& doc, const std::string& source, const fs::path& dir,
              std::vector<std::string>& chain) {
  switch (doc_kind(doc)) {
    case DocKind::kOfficial: load_official_into(tree, doc, source, dir, chain); return;
    case DocKind::kMixed: {
      std::string upper, lower;
      for (const auto& kv : doc) {
        const std::string key = kv.first.Scalar();
        bool has_lower = false;
        for (char c : key) has_lower = has_lower || (c >= 'a' && c <= 'z');
        (has_lower || key == "_base_" ? lower : upper) += (key + " ");
      }
      tree.errors.push_back(source + ": mixes official GLIP keys (upper case: " + upper +
                            ") with glip keys (lower case: " + lower +
                            "); an official config holds only the former, a glip config only the latter (it may "
                            "name an official config as its _base_)");
      return;
    }
    case DocKind::kGlip: load_into(tree, doc, source, dir, chain); return;
  }
}

/** Reads file `path` (with its bases) and merges it into the tree. */
void load_file_into(Tree& tree, const std::string& path, const std::string& included_by,
                    std::vector<std::string>& chain) {
  std::optional<YAML::Node> doc = read_config_file(tree, path, included_by, chain);
  if (!doc) return;
  chain.push_back(path);
  load_doc(tree, *doc, path, fs::path(path).parent_path(), chain);
  chain.pop_back();
}

void load_into(Tree& tree, const YAML::Node& doc, const std::string& source, const fs::path& dir,
               std::vector<std::string>& chain) {
  std::vector<std::string> bases;
  for (const auto& kv : doc) {
    if (kv.first.as<std::string>() != "_base_") continue;
    const YAML::Node& b = kv.second;
    bool ok = b.IsScalar() || b.IsSequence();
    if (b.IsSequence())
      for (const auto& e : b) ok = ok && e.IsScalar();
    if (!ok) {
      tree.errors.push_back(source + ": '_base_' must be a path or a list of paths");
      continue;
    }
    if (b.IsScalar()) bases.push_back(b.as<std::string>());
    for (const auto& e : b) bases.push_back(e.as<std::string>());
  }
  for (const auto& b : bases) {
    fs::path p = fs::path(b).is_absolute() ? fs::path(b) : (dir / b);
    load_file_into(tree, p.lexically_normal().string(), source, chain);
  }
  merge_into(tree.root, doc, "", source, tree.origin);
}

bool is_index(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::string Tree::source_of(const std::string& path) const {
  std::string p = path;
  while (true) {
    auto it = origin.find(p);
    if (it != origin.end()) return it->second;
    size_t dot = p.rfind('.');
    if (dot == std::string::npos) return "";
    p.resize(dot);
  }
}

Tree read_file_tree(const std::string& path) {
  Tree tree;
  tree.root = YAML::Node(YAML::NodeType::Map);
  std::vector<std::string> chain;
  load_file_into(tree, path, "", chain);
  return tree;
}

Tree read_string_tree(const std::string& text, const std::string& source) {
  Tree tree;
  tree.root = YAML::Node(YAML::NodeType::Map);
  std::vector<std::string> chain;
  YAML::Node doc = parse(text, source, tree.errors);
  load_doc(tree, doc, source, fs::current_path(), chain);
  return tree;
}

void apply_overrides(Tree& tree, const std::vector<std::string>& overrides) {
  for (const auto& ov : overrides) {
    const size_t eq = ov.find('=');
    if (eq == std::string::npos || eq == 0) {
      tree.errors.push_back("--set '" + ov + "': expected KEY=VALUE, e.g. solver.base_lr=0.01");
      continue;
    }
    const std::string key = ov.substr(0, eq), text = ov.substr(eq + 1);
    YAML::Node value;
    if (text.empty()) {
      value = YAML::Node(std::string());
    } else {
      try {
        value = YAML::Load(text);
      } catch (const YAML::Exception& e) {
        tree.errors.push_back(yaml_error("--set '" + ov + "'", e));
        continue;
      }
      if (std::string problem = shape_problem(value); !problem.empty()) {
        tree.errors.push_back("--set '" + ov + "': refused: " + problem);
        continue;
      }
    }
    std::vector<std::string> parts;
    std::stringstream ks(key);
    for (std::string part; std::getline(ks, part, '.');) parts.push_back(part);
    bool bad = parts.empty() || key.back() == '.';
    for (const auto& p : parts) bad = bad || p.empty();
    if (bad) {
      tree.errors.push_back("--set '" + ov + "': malformed key '" + key + "'");
      continue;
    }
    if (parts[0] == "_base_") {
      tree.errors.push_back("--set '" + ov + "': '_base_' is read from config files only; name the file with --config");
      continue;
    }
    YAML::Node node = tree.root;
    std::string path;
    bool failed = false;
    for (size_t i = 0; i < parts.size() && !failed; ++i) {
      const std::string& part = parts[i];
      const bool last = i + 1 == parts.size();
      path = join_path(path, part);
      if (!tree.origin.count(path)) tree.origin[path] = "--set";
      if (node.IsSequence() && !is_index(part)) {
        tree.errors.push_back(str_cat("--set '", ov, "': '", path.substr(0, path.size() - part.size() - 1),
                                      "' is a list of ", node.size(), " elements; expected an index, got '", part,
                                      "'"));
        failed = true;
        break;
      }
      if (node.IsSequence()) {
        const size_t idx = part.size() > 9 ? SIZE_MAX : std::stoul(part);
        if (idx >= node.size()) {
          tree.errors.push_back(
              str_cat("--set '", ov, "': index ", part, " is out of range (the list has ", node.size(), " elements)"));
          failed = true;
          break;
        }
        if (last) node[idx] = value;
        node.reset(node[idx]);
      } else {
        if (!node.IsMap()) node = YAML::Node(YAML::NodeType::Map);  // unreachable for the root
        YAML::Node child = node[part];
        if (last) {
          node[part] = value;
        } else if (!child.IsMap() && !child.IsSequence()) {
          node[part] = YAML::Node(YAML::NodeType::Map);
        }
        node.reset(node[part]);
      }
    }
    if (failed) continue;
    erase_below(tree.origin, path);
    mark(tree.origin, path, value, "--set");
  }
}

}  // namespace glip::config::detail
