// Official GLIP configs (maskrcnn_benchmark yacs YAML) as input: their _BASE_ chain, the translation of the merged
// config into glip keys by the table of official_table.cpp, and the docs section generated from that table.
#include "glip/config/official.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "config/detail.h"
#include "config/official_detail.h"
#include "glip/core/error.h"

namespace glip::config {
namespace official {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string last_component(const std::string& key) {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

/** The node at dotted `key` of map `root`, or an invalid node. */
YAML::Node find(const YAML::Node& root, const std::string& key) {
  YAML::Node node = root;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node next;
    bool found = false;
    for (const auto& kv : node) {
      if (kv.first.Scalar() == part) {
        next.reset(kv.second);
        found = true;
        break;
      }
    }
    if (!found) return YAML::Node(YAML::NodeType::Undefined);
    node.reset(next);
    if (dot == std::string::npos) return node;
    start = dot + 1;
  }
}

/** A Python value as a YAML node of the glip tree. */
YAML::Node to_yaml(const Py& v) {
  switch (v.t) {
    case Py::T::kNone: return YAML::Node(YAML::NodeType::Null);
    case Py::T::kBool: return YAML::Node(v.b ? "true" : "false");
    case Py::T::kInt: return YAML::Node(std::to_string(v.i));
    case Py::T::kFloat: return YAML::Node(detail::format_double(v.f));
    case Py::T::kStr: return YAML::Node(v.s);
    case Py::T::kList:
    case Py::T::kTuple: {
      YAML::Node seq(YAML::NodeType::Sequence);
      for (const auto& e : v.items) seq.push_back(to_yaml(e));
      return seq;
    }
    case Py::T::kDict: {
      YAML::Node map(YAML::NodeType::Map);
      for (const auto& [k, e] : v.entries) map[k.t == Py::T::kStr ? k.s : k.repr()] = to_yaml(e);
      return map;
    }
  }
  return YAML::Node();
}

/** Sets dotted `key` of map `root` to `value`, creating the maps on the way. */
void set_path(YAML::Node root, const std::string& key, const YAML::Node& value) {
  YAML::Node node = root;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      node[part] = value;
      return;
    }
    if (!node[part].IsMap()) node[part] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[part]);
    start = dot + 1;
  }
}

const std::unordered_map<std::string, const Entry*>& index() {
  static const auto idx = [] {
    std::unordered_map<std::string, const Entry*> m;
    for (const auto& e : table())
      if (!m.emplace(e.key, &e).second) throw std::logic_error("official config table: key " + e.key + " twice");
    return m;
  }();
  return idx;
}

/** True when some table key lies below dotted `section`. */
bool is_table_section(const std::string& section) {
  static const auto sections = [] {
    std::set<std::string> s;
    for (const auto& e : table())
      for (size_t dot = e.key.find('.'); dot != std::string::npos; dot = e.key.find('.', dot + 1))
        s.insert(e.key.substr(0, dot));
    return s;
  }();
  return sections.count(section) > 0;
}

/** " (did you mean 'X'?)" for a key close to a table key, else "". */
std::string suggest(const std::string& key) {
  size_t best = SIZE_MAX;
  std::string pick;
  const std::string lk = lower(key), ll = lower(last_component(key));
  for (const auto& e : table()) {
    const size_t d_full = detail::edit_distance(lk, lower(e.key));
    const size_t d_last = detail::edit_distance(ll, lower(last_component(e.key))) + (d_full == 0 ? 0 : 1);
    const size_t d = std::min(d_full, d_last);
    const size_t limit = std::max<size_t>(2, ll.size() / 3);
    if (d <= limit && d < best) best = d, pick = e.key;
  }
  return pick.empty() ? "" : " (did you mean " + pick + "?)";
}

class TranslateCtx : public Ctx {
 public:
  TranslateCtx(const Official& off, Translation& tr, std::vector<std::pair<std::string, std::string>>& problems)
      : off_(off), tr_(tr), problems_(problems) {}

  void start(const Entry& e) {
    entry_ = &e;
    value_ = &lookup(e.key, set_);
  }

  const Py& value() const override { return *value_; }
  bool is_set() const override { return set_; }
  const Py& get(const std::string& key) const override {
    bool set = false;
    return lookup(key, set);
  }
  void put(const std::string& glip_key, const Py& v) override {
    set_path(tr_.glip, glip_key, to_yaml(v));
    tr_.origin[glip_key] = set_ ? off_.source_of(entry_->key) + " (" + entry_->key + ")"
                                : off_.top + " (" + entry_->key + " not set: official default " + entry_->def + ")";
  }
  void problem(const std::string& why) override {
    std::string line = entry_->key;
    if (set_) {
      line += " = " + value_->repr();
      const std::string src = off_.source_of(entry_->key);
      if (src != off_.top) line += " (" + src + ")";
    } else {
      line += " (not set: official default " + entry_->def + ")";
    }
    problems_.emplace_back(entry_->key, line + ": " + why);
  }

 private:
  /** The value of table key `key`: the file's, else its parsed default (cached). */
  const Py& lookup(const std::string& key, bool& set) const {
    auto it = index().find(key);
    if (it == index().end()) throw std::logic_error("official config table: no entry " + key);
    auto cached = values_.find(key);
    if (cached != values_.end()) {
      set = cached->second.second;
      return cached->second.first;
    }
    const YAML::Node node = find(off_.root, key);
    set = node.IsDefined();
    Py v = set ? from_yaml(node) : literal(it->second->def);
    return values_.emplace(key, std::make_pair(std::move(v), set)).first->second.first;
  }

  const Official& off_;
  Translation& tr_;
  std::vector<std::pair<std::string, std::string>>& problems_;
  const Entry* entry_ = nullptr;
  const Py* value_ = nullptr;
  bool set_ = false;
  mutable std::map<std::string, std::pair<Py, bool>> values_;
};

/** " (file)" when a _BASE_ file, not the named one, set `key`. */
std::string file_note(const Official& off, const std::string& key) {
  const std::string src = off.source_of(key);
  return src == off.top || src.empty() ? "" : " (" + src + ")";
}

/** Reports every key of the file that no table entry reads (a whole unknown section once). */
void unknown_keys(const Official& off, const YAML::Node& node, const std::string& prefix,
                  std::vector<std::pair<std::string, std::string>>& problems) {
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (prefix.empty() && key == "_BASE_") continue;
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (index().count(path)) continue;
    if (is_table_section(path)) {
      if (kv.second.IsMap()) {
        unknown_keys(off, kv.second, path, problems);
      } else if (!kv.second.IsNull()) {
        problems.emplace_back(
            path, path + " = " + from_yaml(kv.second).repr() + file_note(off, path) + ": expected a section of keys");
      }
      continue;
    }
    std::string what = path;
    if (kv.second.IsMap()) what += " (a section of " + std::to_string(kv.second.size()) + " keys)";
    else what += " = " + from_yaml(kv.second).repr();
    problems.emplace_back(path, what + file_note(off, path) + ": no glip equivalent" + suggest(path));
  }
}

}  // namespace

std::string Official::source_of(const std::string& key) const {
  std::string p = key;
  while (true) {
    auto it = origin.find(p);
    if (it != origin.end()) return it->second;
    const size_t dot = p.rfind('.');
    if (dot == std::string::npos) return top;
    p.resize(dot);
  }
}

Translation translate(const Official& off) {
  Translation tr;
  tr.glip = YAML::Node(YAML::NodeType::Map);
  std::vector<std::pair<std::string, std::string>> problems;
  unknown_keys(off, off.root, "", problems);
  TranslateCtx ctx(off, tr, problems);
  for (const auto& e : table()) {
    ctx.start(e);
    if (e.kind != Kind::kIgnored && e.apply) e.apply(ctx);
  }
  // The variant's label: the official file's name (glip_Swin_L for configs/pretrain/glip_Swin_L.yaml).
  set_path(tr.glip, "model.name", YAML::Node(fs::path(off.top).stem().string()));
  tr.origin["model.name"] = off.top + " (its file name)";
  std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& p : problems) tr.problems.push_back(std::move(p.second));
  return tr;
}

}  // namespace official

namespace detail {

namespace fs = std::filesystem;

/** Reads official `doc` and its _BASE_ chain (bases first) into `off`. */
void collect_official(Tree& tree, official::Official& off, const YAML::Node& doc, const std::string& source,
                      const fs::path& dir, std::vector<std::string>& chain) {
  std::vector<std::string> bases;
  for (const auto& kv : doc) {
    if (kv.first.Scalar() != "_BASE_") continue;
    const YAML::Node& b = kv.second;
    bool ok = b.IsScalar() || b.IsSequence();
    if (b.IsSequence())
      for (const auto& e : b) ok = ok && e.IsScalar();
    if (!ok) {
      tree.errors.push_back(source + ": '_BASE_' must be a path or a list of paths");
      continue;
    }
    if (b.IsScalar()) bases.push_back(b.Scalar());
    for (const auto& e : b) bases.push_back(e.Scalar());
  }
  for (const auto& b : bases) {
    const std::string p = (fs::path(b).is_absolute() ? fs::path(b) : dir / b).lexically_normal().string();
    std::optional<YAML::Node> base = read_config_file(tree, p, source, chain);
    if (!base) continue;
    if (base->size() > 0 && doc_kind(*base) != DocKind::kOfficial) {
      tree.errors.push_back(source + ": _BASE_ file '" + p +
                            "' is not an official GLIP config (its top-level keys are not upper case); a glip "
                            "config names its bases with _base_");
      continue;
    }
    chain.push_back(p);
    collect_official(tree, off, *base, p, fs::path(p).parent_path(), chain);
    chain.pop_back();
  }
  YAML::Node body(YAML::NodeType::Map);
  for (const auto& kv : doc)
    if (kv.first.Scalar() != "_BASE_") body[kv.first.Scalar()] = kv.second;
  merge_into(off.root, body, "", source, off.origin);
}

namespace {

std::string problems_error(const std::string& top, const std::vector<std::string>& problems) {
  std::string msg = str_cat(top, ": official GLIP config: ", problems.size(), problems.size() == 1 ? " key" : " keys",
                            " with no glip equivalent or a value glip cannot reproduce (the mapping: docs/configs.md,"
                            " section Official GLIP configs):");
  for (const auto& p : problems) msg += "\n      " + p;
  return msg;
}

}  // namespace

void load_official_into(Tree& tree, const YAML::Node& doc, const std::string& source, const fs::path& dir,
                        std::vector<std::string>& chain) {
  official::Official off;
  off.root = YAML::Node(YAML::NodeType::Map);
  off.top = source;
  collect_official(tree, off, doc, source, dir, chain);
  official::Translation tr = official::translate(off);
  if (!tr.problems.empty()) tree.errors.push_back(problems_error(source, tr.problems));
  merge_into(tree.root, tr.glip, "", source, tree.origin);
  for (const auto& [key, text] : tr.origin) tree.origin[key] = text;
}

}  // namespace detail

namespace {

/** "`a`, `b`" from "a, b". */
std::string md_keys(const std::string& keys) {
  std::string out, item;
  auto flush = [&] {
    size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b != std::string::npos) out += (out.empty() ? "" : ", ") + ("`" + item.substr(b, e - b + 1) + "`");
    item.clear();
  };
  for (char c : keys) {
    if (c == ',') flush();
    else item += c;
  }
  flush();
  return out;
}

const char* kOfficialIntro = R"(
## Official GLIP configs

Every tool's `--config` also reads an official GLIP config (a microsoft/GLIP maskrcnn_benchmark yacs YAML such as
`configs/pretrain/glip_Swin_T_O365_GoldG.yaml`): a file whose top-level keys are upper case (`MODEL:`, `SOLVER:`,
`DATASETS:`, `INPUT:`, `TEST:`, ...). glip reads it as the official code does and translates it into the glip keys
above with the table below, which lives in one place (`src/config/official_table.cpp`; this section is generated
from it):

- `_BASE_: path` or `_BASE_: [a.yaml, b.yaml]` (relative to the file) is read first, as detectron2 does; a base
  must be an official config too. Maps merge deeply; other values replace. Values are read as yacs does: YAML 1.1
  scalars, then Python literals (`(64, 128)` is a tuple, `ADAMW` a string).
- An official config is a delta from `maskrcnn_benchmark/config/defaults.py`: every key of the table that the file
  does not set takes its official default (second column). So `glip_Swin_L.yaml`, which does not set
  `MODEL.BACKBONE.FREEZE_CONV_BODY_AT`, trains with patch_embed and the first Swin stage frozen (default 2).
- Each key is *mapped* (the glip key(s) in the third column get its value), *fixed* (glip implements one behaviour:
  the value that selects it is accepted, any other is refused) or *ignored* (any value: the code GLIP runs does not
  read it, or it changes memory, speed or logging only). A fixed key the file does not set is checked through its
  official default: where glip's behaviour differs from the default (e.g. `DATALOADER.ASPECT_RATIO_GROUPING`, default
  True) the file must set the key to the value glip implements, which documents the difference.
- A key that is not in the table is refused whatever its value, even its official default: only the keys below
  were checked against glip's behaviour.
- Every key with no glip equivalent or a value glip cannot reproduce is listed, with its dotted official path, in
  one error (exit code 2). Errors about a mapped value (a missing weight file, a value out of range) name the official
  key next to the glip one.
- `model.name` is the file's name (`glip_Swin_L`). `--set` takes glip keys and applies after the translation
  (`--set model.backbone_weight=/models/swin_tiny_patch4_window7_224.pth`).
- To train an official recipe whose datasets glip cannot map (the `DATASETS.TRAIN` catalog names, `SOLVER.MAX_EPOCH`),
  write an official file with `_BASE_: glip_Swin_T_O365_GoldG.yaml` that sets those keys to values glip reproduces
  (`TRAIN: ()`, `MAX_EPOCH: 0` with `MAX_ITER`), and a glip config with `_base_: that_file.yaml` that adds
  `data.train` (tests/config/official_config_test.cpp does exactly this).
- `build/tools/glip_config_docs --from-official FILE.yaml` prints the glip config an official file maps to and the
  keys it cannot map.

| official key | official default | glip | notes |
| --- | --- | --- | --- |
)";

}  // namespace

std::string official_configs_markdown() {
  std::string md = kOfficialIntro;
  for (const auto& e : official::table()) {
    std::string glip;
    switch (e.kind) {
      case official::Kind::kMap: glip = md_keys(e.glip); break;
      case official::Kind::kFixed: glip = "only `" + e.glip + "`"; break;
      case official::Kind::kIgnored: glip = "ignored"; break;
    }
    using detail::markdown_cell;
    md += "| `" + markdown_cell(e.key) + "` | `" + markdown_cell(e.def) + "` | " + markdown_cell(glip) + " | " +
          markdown_cell(e.note) + " |\n";
  }
  return md;
}

bool is_official_config(const std::string& yaml_text) {
  try {
    const YAML::Node doc = YAML::Load(yaml_text);
    return doc.IsMap() && doc.size() > 0 && detail::doc_kind(doc) == detail::DocKind::kOfficial;
  } catch (const YAML::Exception&) {
    return false;
  }
}

OfficialTranslation translate_official_file(const std::string& path) {
  detail::Tree tree;
  tree.root = YAML::Node(YAML::NodeType::Map);
  std::vector<std::string> chain;
  std::optional<YAML::Node> doc = detail::read_config_file(tree, path, "", chain);
  if (doc && doc->size() > 0 && detail::doc_kind(*doc) != detail::DocKind::kOfficial)
    tree.errors.push_back(path + ": not an official GLIP config (its top-level keys are not upper case)");
  official::Official off;
  off.root = YAML::Node(YAML::NodeType::Map);
  off.top = path;
  if (doc && tree.errors.empty()) {
    chain.push_back(path);
    detail::collect_official(tree, off, *doc, path, std::filesystem::path(path).parent_path(), chain);
  }
  if (!tree.errors.empty()) {
    std::string msg = "cannot read official config:";
    for (const auto& e : tree.errors) msg += "\n  - " + e;
    throw InputError(msg);
  }
  official::Translation tr = official::translate(off);
  YAML::Emitter out;
  out << tr.glip;
  return {std::string(out.c_str()) + "\n", std::move(tr.problems)};
}

}  // namespace glip::config
