// Config families: every float option refuses NaN and Inf (found through describe(), so a new option is
// covered without editing this file), size limits, and YAML files built to be slow or to escape the loader.
#include <filesystem>
#include <set>

#include "common/test_utils.h"
#include "config/detail.h"
#include "glip/app/config_docs.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/core/fs.h"
#include "glip/synth/options.h"
#include "robustness/malformed.h"

namespace glip::test {
namespace {

struct WorldRoot {  // glip_synth's sections (its runtime keys are GlipConfig's)
  synth::WorldOptions world;
  void visit(config::Visitor& v) { v.section("world", world, "world"); }
};

template <typename Root>
void load_root(const std::string& yaml, const std::vector<std::string>& sets, const std::string& source) {
  Root cfg;
  config::load_string(config::visit_fn(cfg), yaml, sets, source);
}

std::vector<config::OptionDoc> all_options() {
  auto out = config::describe(app::GlipConfig{});
  for (const auto& o : config::describe(WorldRoot{})) out.push_back(o);
  return out;
}

bool is_float(const config::OptionDoc& o) {
  return o.type.rfind("float", 0) == 0 || o.type.rfind("list of float", 0) == 0;
}

/** `--set` text and the dotted key the error must name, for value `v` of option `o`. */
std::pair<std::string, std::string> override_for(const config::OptionDoc& o, const std::string& v) {
  const bool list = o.type.rfind("list of", 0) == 0;
  const std::string value = list ? "[" + v + "]" : v;
  const auto brackets = o.key.find("[]");
  if (brackets == std::string::npos) return {o.key + "=" + value, list ? o.key + ".0" : o.key};
  // A field of a list of sections: data.train[].weight -> data.train=[{weight: V}], reported as data.train.0.weight
  const std::string list_key = o.key.substr(0, brackets), field = o.key.substr(brackets + 3);
  return {list_key + "=[{" + field + ": " + value + "}]", list_key + ".0." + field + (list ? ".0" : "")};
}

std::vector<MalformedCase> option_nonfinite_cases() {
  std::vector<MalformedCase> out;
  for (const auto& o : all_options()) {
    if (!is_float(o)) continue;
    for (const std::string v : {".nan", ".inf", "-.inf"}) {
      const auto [set, key] = override_for(o, v);
      const bool world = o.key.rfind("world.", 0) == 0;
      out.push_back({case_name(o.key + "_" + v),
                     nullptr,
                     [set = set, world](const std::string&) {
                       if (world) load_root<WorldRoot>("", {set}, "<test>");
                       else load_root<app::GlipConfig>("", {set}, "<test>");
                     },
                     {"'" + key + "'", "finite"}});
    }
  }
  return out;
}
GLIP_MALFORMED_FAMILY(ConfigNonFinite, option_nonfinite_cases);

TEST(ConfigNonFinite, EveryDocumentedSectionIsCovered) {
  std::set<std::string> keys;
  size_t floats = 0;
  for (const auto& o : all_options()) keys.insert(o.key), floats += is_float(o);
  auto sections = app::documented_sections();
  sections.push_back(synth::world_section());
  for (const auto& s : sections)
    for (const auto& o : s.options())
      EXPECT_TRUE(keys.count(s.prefix.empty() ? o.key : s.prefix + "." + o.key)) << s.title << ": " << o.key;
  EXPECT_GT(floats, 40u);  // the suite's count: 3 cases per float option
}

// Sizes that used to hang or allocate without end: refused by the option's declared range.
std::vector<MalformedCase> limit_cases() {
  std::vector<MalformedCase> out;
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"solver.ims_per_batch=1000000000000", "solver.ims_per_batch"},
           {"solver.grad_accum_steps=1000000000", "solver.grad_accum_steps"},
           {"num_threads=1024", "num_threads"},
           {"data.size_divisibility=100000", "data.size_divisibility"},
           {"data.num_workers=100000", "data.num_workers"},
           {"data.prefetch=100000000", "data.prefetch"},
           {"data.min_size_train=[100000]", "data.min_size_train.0"},
           {"data.max_size_test=10000000", "data.max_size_test"},
           {"data.train=[{weight: 1e300}]", "data.train.0.weight"},
           {"solver.base_lr=1e400", "solver.base_lr"},
       })
    out.push_back({case_name(set),
                   nullptr,
                   [set = set](const std::string&) { load_root<app::GlipConfig>("", {set}, "<test>"); },
                   {"'" + key + "'"}});
  return out;
}
GLIP_MALFORMED_FAMILY(ConfigLimits, limit_cases);

std::string many_keys(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "unknown_key_" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  return s;
}

/** A tree of `_base_` includes: every file includes `fan` files of the next level, `levels` deep. */
void write_fan_out(const std::string& dir, int fan, int levels) {
  for (int l = levels; l >= 0; --l) {
    std::string text = "seed: " + std::to_string(l) + "\n";
    if (l < levels) {
      text += "_base_: [";
      for (int k = 0; k < fan; ++k) text += (k ? ", " : "") + std::string("l") + std::to_string(l + 1) + ".yaml";
      text += "]\n";
    }
    put_file(dir + "/l" + std::to_string(l) + ".yaml", text);
  }
}

MalformedCase yaml_case(const std::string& name, const std::string& yaml, std::vector<std::string> sets,
                        std::vector<std::string> expect) {
  return {name, [yaml](const std::string& dir) { put_file(dir + "/c.yaml", yaml); },
          [sets](const std::string& dir) {
            app::GlipConfig cfg;
            config::load_file(config::visit_fn(cfg), dir + "/c.yaml", sets);
          },
          std::move(expect)};
}

std::vector<MalformedCase> yaml_cases() {
  std::vector<MalformedCase> out;
  out.push_back(yaml_case("keys_100000", many_keys(100000), {}, {"$DIR/c.yaml", "refused", "10000"}));
  out.push_back(yaml_case("keys_9000", many_keys(9000), {}, {"unknown_key_0'", "... and 8980 more unknown keys"}));
  std::string long_list = "data:\n  min_size_train: [1";
  for (int i = 1; i < 20000; ++i) long_list += ", 1";
  out.push_back(yaml_case("list_20000", long_list + "]\n", {}, {"$DIR/c.yaml", "20000 entries"}));
  out.push_back(yaml_case("nested_maps_200",
                          [] {
                            std::string s;
                            for (int i = 0; i < 200; ++i)
                              s += std::string(2 * i, ' ') + "k" + std::to_string(i) + ":\n";
                            return s + std::string(400, ' ') + "v: 1\n";
                          }(),
                          {}, {"$DIR/c.yaml", "deeper than 100"}));
  out.push_back(yaml_case("flow_nesting_200", "model: " + deep_json(200) + "\n", {}, {"$DIR/c.yaml"}));
  out.push_back(yaml_case("map_key_is_a_list", "? [a, b]\n: 1\n", {}, {"$DIR/c.yaml", "plain string"}));
  out.push_back(yaml_case("map_key_is_a_map", "solver:\n  ? {a: 1}\n  : 2\n", {}, {"$DIR/c.yaml", "plain string"}));
  out.push_back(yaml_case("set_base", "seed: 1\n", {"_base_=other.yaml"}, {"_base_", "--config"}));
  out.push_back(yaml_case("set_negative_index", "data:\n  train: [{name: a}]\n", {"data.train.-1.weight=2"},
                          {"--set 'data.train.-1.weight=2'", "index"}));
  out.push_back(yaml_case("set_huge_index", "data:\n  train: [{name: a}]\n",
                          {"data.train.99999999999999999999.weight=2"}, {"--set", "out of range"}));
  out.push_back(yaml_case("set_map_with_list_key", "seed: 1\n", {"data={[a]: 1}"}, {"--set", "plain string"}));
  // An unterminated quote: yaml-cpp reads on to the next quote (folding the lines between into the string) or
  // fails far below; the loader names the line where the quote opens.
  const std::string rest = "solver:\n  base_lr: 0.01\n  max_iter: 10\n";
  out.push_back(yaml_case("unterminated_double_quote", "model:\n  weight: \"a.pth\n" + rest, {},
                          {"$DIR/c.yaml", "line 2", "quoted string is not closed"}));
  out.push_back(yaml_case("unterminated_quote_closed_later", "runtime:\n  work_dir: \"out\n" + rest + "x: \"\n", {},
                          {"$DIR/c.yaml", "line 2", "quoted string is not closed"}));
  out.push_back(yaml_case("unterminated_single_quote", rest + "  optimizer: 'adamw\n", {},
                          {"$DIR/c.yaml", "line 4", "quoted string is not closed"}));
  out.push_back(yaml_case("unterminated_quote_in_list", "data:\n  min_size_train: [\"480, 800]\n", {},
                          {"$DIR/c.yaml", "line 2", "quoted string is not closed"}));
  out.push_back({"base_fan_out_4x6",
                 [](const std::string& dir) { write_fan_out(dir, 4, 6); },
                 [](const std::string& dir) {
                   app::GlipConfig cfg;
                   config::load_file(config::visit_fn(cfg), dir + "/l0.yaml");
                 },
                 {"_base_", "more than 64"}});
  out.push_back({"base_symlink_loop",
                 [](const std::string& dir) {
                   std::filesystem::create_symlink(dir + "/loop.yaml", dir + "/loop.yaml");
                   put_file(dir + "/c.yaml", "_base_: loop.yaml\n");
                 },
                 [](const std::string& dir) {
                   app::GlipConfig cfg;
                   config::load_file(config::visit_fn(cfg), dir + "/c.yaml");
                 },
                 {"loop.yaml"}});
  return out;
}
GLIP_MALFORMED_FAMILY(ConfigYaml, yaml_cases);

TEST(ConfigYaml, QuotesThatCloseOnTheirLineAreRead) {  // the other side of the unterminated-quote cases
  const std::string yaml =
      "# it's a \"comment\"\nmodel:\n  weight: \"a \\\" b.pth\"  # it's\n"
      "runtime:\n  work_dir: 'it''s here'\n  output_dir: it's \"plain\"\n"
      "data:\n  caption_prompt: |\n    an \"open quote in a block\n  min_size_train: [\"480\", '800']\n";
  EXPECT_EQ(config::detail::unclosed_quote_line(yaml), 0u);
  for (const auto& e : std::filesystem::recursive_directory_iterator(GLIP_SOURCE_DIR "/configs")) {
    if (e.path().extension() != ".yaml") continue;
    EXPECT_EQ(config::detail::unclosed_quote_line(read_file(e.path().string())), 0u) << e.path();
  }
}

TEST(ConfigYaml, AnEmptySectionKeepsTheBaseSection) {
  const std::string dir = temp_dir("empty_section");
  put_file(dir + "/base.yaml", "world:\n  noise: 5\n");
  put_file(dir + "/child.yaml", "_base_: base.yaml\nworld:\n");
  WorldRoot cfg;
  config::load_file(config::visit_fn(cfg), dir + "/child.yaml");
  EXPECT_EQ(cfg.world.noise, 5.0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace glip::test
