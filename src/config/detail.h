// Private pieces of the config system shared by its .cpp files (yaml-cpp stays out of the public headers).
#pragma once
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "glip/config/visitor.h"

namespace glip::config::detail {

/** Limits on a config's size, so that no file makes loading slow (docs/robustness.md). */
constexpr size_t kMaxYamlNodes = 100000;      ///< values and keys in one file
constexpr size_t kMaxMapKeys = 10000;         ///< keys in one map
constexpr size_t kMaxYamlDepth = 100;         ///< nested maps and lists
constexpr size_t kMaxConfigFiles = 64;        ///< files read for one config, `_base_` included
constexpr size_t kMaxUnknownKeysListed = 20;  ///< unknown keys listed one by one (the rest are counted)

/** A merged YAML tree plus, for each dotted key path, the source (file name or "--set") that set it. */
struct Tree {
  YAML::Node root;                            ///< a map (possibly empty)
  std::map<std::string, std::string> origin;  ///< dotted path -> source; lookups use the longest prefix
  std::vector<std::string> errors;            ///< problems found while reading files and overrides
  size_t files_read = 0;                      ///< config files read so far (the limit kMaxConfigFiles)

  /** The source that set `path` (or one of its parents), "" when none. */
  std::string source_of(const std::string& path) const;
};

/** Reads `path` and its `_base_` chain into one tree (errors are collected, not thrown). */
Tree read_file_tree(const std::string& path);
/** Parses YAML text (may contain `_base_`, resolved relative to the current folder). */
Tree read_string_tree(const std::string& text, const std::string& source);
/** Applies "a.b.c=value" overrides onto the tree (errors are collected). */
void apply_overrides(Tree& tree, const std::vector<std::string>& overrides);

/**
 * Reads and parses config file `path` for the tree: refuses a `_base_` cycle (`chain` holds the files being read),
 * more than kMaxConfigFiles files, a missing file and bad YAML, recording the error in tree.errors (nullopt then).
 */
std::optional<YAML::Node> read_config_file(Tree& tree, const std::string& path, const std::string& included_by,
                                           const std::vector<std::string>& chain);

/** Deep-merges map `child` into map `into` (child wins; maps merge, everything else replaces), marking origins. */
void merge_into(YAML::Node into, const YAML::Node& child, const std::string& prefix, const std::string& source,
                std::map<std::string, std::string>& origin);

/** What a parsed config document is, from its top-level keys. */
enum class DocKind {
  kGlip,      ///< lower-case keys (model:, solver:, ...) and `_base_`
  kOfficial,  ///< an official GLIP (maskrcnn_benchmark yacs) config: upper-case keys (MODEL:, SOLVER:, ...), `_BASE_`
  kMixed,     ///< both: refused
};
DocKind doc_kind(const YAML::Node& doc);

/**
 * Merges official config `doc` (read from `source` in folder `dir`) into the tree as glip keys: its `_BASE_` chain
 * is read, the merged official config translated by the table of src/config/official_table.cpp, and every key that
 * cannot be mapped recorded in tree.errors with its official dotted path (src/config/official.cpp).
 */
void load_official_into(Tree& tree, const YAML::Node& doc, const std::string& source, const std::filesystem::path& dir,
                        std::vector<std::string>& chain);

}  // namespace glip::config::detail

namespace glip::config::official {
struct Official;
}

namespace glip::config::detail {

/** Reads official `doc` (of `source`, in `dir`) and its `_BASE_` chain, bases first, into `off` (errors to the tree).
 */
void collect_official(Tree& tree, official::Official& off, const YAML::Node& doc, const std::string& source,
                      const std::filesystem::path& dir, std::vector<std::string>& chain);

/** Visits `cfg` with the tree's values, checks every constraint and throws one InputError listing all problems. */
void apply_tree(const Tree& tree, const VisitFn& cfg);

/**
 * The 1-based line of the first quoted string ("..." or '...') that does not close on the line it opens, or 0.
 * Configs never need a quoted string over several lines; an unterminated quote would swallow the rest of the file.
 */
size_t unclosed_quote_line(const std::string& text);

/** Levenshtein distance. */
size_t edit_distance(const std::string& a, const std::string& b);

/** Scalar parsing shared by the loader: returns false when `text` is not a valid value of the type. */
bool parse_bool(const std::string& text, bool& out);
bool parse_int(const std::string& text, int64_t& out);
bool parse_double(const std::string& text, double& out);
/** Shortest text that reads back to the same double ("0.1", "1.0", "1e-05", ".inf", ".nan"). */
std::string format_double(double x);

/** The problem with value `text` under constraint `c` ("" when fine). `numeric` selects the range check. */
std::string check_string(const Constraint& c, const std::string& text);
std::string check_number(const Constraint& c, double x, const std::string& text);

/** Type names used in errors and docs: "int", "list of float", "one of [a, b]". */
std::string describe_type(const char* base, const Constraint& c);

/** Text for one Markdown table cell: '|' escaped, newlines as spaces (docs/configs.md tables). */
std::string markdown_cell(const std::string& s);

}  // namespace glip::config::detail
