// Annotation readers (ODVG, pseudo-label shards, MDETR): every key of a valid record replaced by values of the
// wrong type, by deep nesting and by invalid UTF-8; then tar shards, JSON nesting and output paths.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/data/readers.h"
#include "glip/io/tar.h"
#include "robustness/malformed.h"

namespace glip::test {
namespace {

using nlohmann::json;
using namespace std::string_literals;

enum class Kind { kStr, kIntOpt, kIntReq, kObj, kArr, kBox, kSpans, kSpan, kNumber };

/** Values a key of `kind` must refuse (null is fine for an optional integer: it reads as absent). */
std::vector<std::string> bad_values(Kind kind) {
  switch (kind) {
    case Kind::kStr: return {"5", "null", "[]", "{}"};
    case Kind::kIntOpt: return {"\"7\"", "1.5", "[]", "{}", "true"};
    case Kind::kIntReq: return {"\"7\"", "1.5", "null", "{}"};
    case Kind::kObj: return {"5", "\"s\"", "[]", "null"};
    case Kind::kArr: return {"5", "\"s\"", "{}", "null"};
    case Kind::kBox: return {"\"b\"", "[1,2,3]", "[1,2,3,\"4\"]", "{}", "[1,2,3,[4]]"};
    case Kind::kSpans: return {"\"s\"", "[[1]]", "[[\"a\",2]]", "[[5,2]]", "[5,2]"};
    case Kind::kSpan: return {"\"s\"", "[1]", "[5,2]", "[\"a\",1]", "{}"};
    case Kind::kNumber: return {"\"0.9\"", "null", "[]", "{}"};
  }
  return {};
}

struct KeySpec {
  std::string pointer;  ///< JSON pointer into the valid record
  Kind kind;
  std::string names;  ///< what the message must name (the key, or the one the reader looks up inside it)
};

/** `valid` with the value at `pointer` replaced by the raw JSON text `value`. */
std::string mutate(const json& valid, const std::string& pointer, const std::string& value) {
  json j = valid;
  j[json::json_pointer(pointer)] = "@@MUTATION@@";
  std::string text = j.dump();
  return text.replace(text.find("\"@@MUTATION@@\""), 14, value);
}

using ReadFn = std::function<void(const std::string& path)>;

void add_key_cases(std::vector<MalformedCase>& out, const std::string& family, const json& valid,
                   const std::vector<KeySpec>& keys, const std::string& file, const std::string& where,
                   const ReadFn& read, const std::string& extra_line = "") {
  for (const auto& k : keys) {
    std::vector<std::pair<std::string, std::vector<std::string>>> values;
    for (const auto& v : bad_values(k.kind)) values.push_back({v, {where, "'" + k.names + "'"}});
    values.push_back({deep_json(150), {where, "nested deeper than 100"}});
    if (k.kind == Kind::kStr) values.push_back({"\"\xff\xfe\"", {where, "invalid JSON"}});
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string text = extra_line + mutate(valid, k.pointer, values[i].first) + "\n";
      out.push_back({case_name(family + k.pointer + "_" + std::to_string(i)),
                     [file, text](const std::string& dir) { put_file(dir + "/" + file, text); },
                     [file, read](const std::string& dir) { read(dir + "/" + file); }, values[i].second});
    }
  }
}

std::vector<MalformedCase> odvg_cases() {
  std::vector<MalformedCase> out;
  const ReadFn read = [](const std::string& p) { data::read_odvg(p, ""); };
  const json grounding = json::parse(R"({"filename":"a.jpg","height":10,"width":10,"grounding":{"caption":
      "a red ball","regions":[{"bbox":[1,1,5,5],"phrase":"ball","tokens_positive":[[6,10]]}]}})");
  add_key_cases(out, "grounding", grounding,
                {{"/filename", Kind::kStr, "filename"},
                 {"/height", Kind::kIntOpt, "height"},
                 {"/width", Kind::kIntOpt, "width"},
                 {"/grounding", Kind::kObj, "grounding"},
                 {"/grounding/caption", Kind::kStr, "caption"},
                 {"/grounding/regions", Kind::kArr, "regions"},
                 {"/grounding/regions/0", Kind::kObj, "bbox"},
                 {"/grounding/regions/0/bbox", Kind::kBox, "bbox"},
                 {"/grounding/regions/0/tokens_positive", Kind::kSpans, "tokens_positive"}},
                "g.odvg.jsonl", "$DIR/g.odvg.jsonl:1", read);
  const json detection = json::parse(R"({"filename":"b.jpg","height":10,"width":10,"detection":{"instances":
      [{"bbox":[1,1,5,5],"label":3,"category":"cat"}]}})");
  add_key_cases(out, "detection", detection,
                {{"/detection", Kind::kObj, "detection"},
                 {"/detection/instances", Kind::kArr, "instances"},
                 {"/detection/instances/0", Kind::kObj, "bbox"},
                 {"/detection/instances/0/bbox", Kind::kBox, "bbox"},
                 {"/detection/instances/0/label", Kind::kIntReq, "label"}},
                "d.odvg.jsonl", "$DIR/d.odvg.jsonl:2", read, detection.dump() + "\n");
  return out;
}
GLIP_MALFORMED_FAMILY(OdvgReader, odvg_cases);

std::vector<MalformedCase> pseudo_cases() {
  std::vector<MalformedCase> out;
  const json valid = json::parse(R"({"image_id":1,"key":"k","image":{"tar":"s.tar","member":"k.jpg"},"width":10,
      "height":10,"caption":"a red ball","phrases":[{"span":[6,10],"text":"ball","boxes":[[1,1,5,5]],
      "scores":[0.9]}]})");
  add_key_cases(out, "pseudo", valid,
                {{"/image_id", Kind::kIntReq, "image_id"},
                 {"/image", Kind::kObj, "image"},
                 {"/image/tar", Kind::kStr, "tar"},
                 {"/image/member", Kind::kStr, "member"},
                 {"/width", Kind::kIntOpt, "width"},
                 {"/height", Kind::kIntOpt, "height"},
                 {"/caption", Kind::kStr, "caption"},
                 {"/phrases", Kind::kArr, "phrases"},
                 {"/phrases/0", Kind::kObj, "span"},
                 {"/phrases/0/span", Kind::kSpan, "span"},
                 {"/phrases/0/boxes", Kind::kArr, "boxes"},
                 {"/phrases/0/boxes/0", Kind::kBox, "boxes"},
                 {"/phrases/0/scores", Kind::kArr, "scores"},
                 {"/phrases/0/scores/0", Kind::kNumber, "scores"}},
                "s.jsonl", "$DIR/s.jsonl:1", [](const std::string& p) { data::read_pseudo_shards({p}); });
  return out;
}
GLIP_MALFORMED_FAMILY(PseudoReader, pseudo_cases);

std::vector<MalformedCase> mdetr_cases() {
  std::vector<MalformedCase> out;
  const json valid = json::parse(R"({"images":[{"id":1,"file_name":"a.jpg","height":10,"width":10,
      "caption":"a red ball"}],"annotations":[{"id":1,"image_id":1,"bbox":[1,1,4,4],"category_id":1,"iscrowd":0,
      "tokens_positive":[[6,10]]}]})");
  add_key_cases(out, "mdetr", valid,
                {{"/images", Kind::kArr, "images"},
                 {"/images/0", Kind::kObj, "id"},
                 {"/images/0/id", Kind::kIntReq, "id"},
                 {"/images/0/file_name", Kind::kStr, "file_name"},
                 {"/images/0/width", Kind::kIntOpt, "width"},
                 {"/images/0/caption", Kind::kStr, "caption"},
                 {"/annotations", Kind::kArr, "annotations"},
                 {"/annotations/0/image_id", Kind::kIntReq, "image_id"},
                 {"/annotations/0/bbox", Kind::kBox, "bbox"},
                 {"/annotations/0/category_id", Kind::kIntOpt, "category_id"},
                 {"/annotations/0/iscrowd", Kind::kIntOpt, "iscrowd"},
                 {"/annotations/0/tokens_positive", Kind::kSpans, "tokens_positive"}},
                "m.json", "$DIR/m.json", [](const std::string& p) { data::read_mdetr(p, ""); });
  return out;
}
GLIP_MALFORMED_FAMILY(MdetrReader, mdetr_cases);

// ---- tar shards ----

std::string tar_with_size_field(const std::string& field12) {
  io::TarBuilder b;
  b.add("k.txt", "caption");
  std::string bytes = b.finish();
  std::memcpy(&bytes[124], field12.data(), 12);
  unsigned sum = 0;  // fix the checksum so that only the size is wrong
  for (size_t k = 0; k < 512; ++k) sum += (k >= 148 && k < 156) ? ' ' : static_cast<unsigned char>(bytes[k]);
  std::snprintf(&bytes[148], 8, "%06o", sum);
  bytes[155] = ' ';
  return bytes;
}

std::string base256(uint64_t v, unsigned char top = 0x80) {
  std::string f(12, '\0');
  f[0] = static_cast<char>(top);
  for (int k = 0; k < 8; ++k) f[11 - k] = static_cast<char>((v >> (8 * k)) & 0xff);
  return f;
}

std::vector<MalformedCase> tar_cases() {
  std::vector<MalformedCase> out;
  auto tar_case = [&](const std::string& name, const std::string& bytes, std::vector<std::string> expect) {
    expect.insert(expect.begin(), "$DIR/s.tar");
    out.push_back({"tar_" + name, [bytes](const std::string& dir) { put_file(dir + "/s.tar", bytes); },
                   [](const std::string& dir) { io::list_tar(dir + "/s.tar"); }, expect});
  };
  tar_case("base256_2p64_minus_512", tar_with_size_field(base256(~0ull - 511)), {"truncated tar member"});
  tar_case("base256_2p64_minus_1", tar_with_size_field(base256(~0ull)), {"truncated tar member"});
  tar_case("base256_2p63", tar_with_size_field(base256(1ull << 63)), {"truncated tar member"});
  tar_case("base256_over_64_bits", tar_with_size_field(base256(1, 0xff)), {"64 bits"});
  tar_case("octal_past_end", tar_with_size_field("77777777777"s + '\0'), {"truncated tar member"});
  tar_case("octal_garbage", tar_with_size_field("00000000x07"s + '\0'), {"octal"});
  std::string bad_sum = tar_with_size_field("00000000007"s + '\0');
  bad_sum[0] = 'K';
  tar_case("checksum", bad_sum, {"checksum"});
  io::TarBuilder b;
  b.add("k.txt", std::string(700, 'x'));
  const std::string valid = b.finish();
  for (size_t cut : {size_t(600), size_t(1023), size_t(1025), size_t(1500)})
    tar_case("cut_at_" + std::to_string(cut), valid.substr(0, cut), {"truncated"});
  return out;
}
GLIP_MALFORMED_FAMILY(TarShard, tar_cases);

// ---- JSON nesting in every reader that builds a tree ----

std::vector<MalformedCase> json_depth_cases() {
  std::vector<MalformedCase> out;
  for (size_t depth : {101, 1000, 100000}) {
    for (const auto& [open, close] : std::vector<std::pair<char, char>>{{'[', ']'}, {'{', '}'}}) {
      std::string text = open == '[' ? deep_json(depth) : std::string();
      if (open == '{') {
        for (size_t i = 0; i < depth; ++i) text += "{\"a\":";
        text += "1" + std::string(depth, '}');
      }
      const std::string tag = std::string(open == '[' ? "arrays_" : "objects_") + std::to_string(depth);
      out.push_back({"parse_" + tag,
                     nullptr,
                     [text](const std::string&) { parse_json_input(text, "x.json"); },
                     {"x.json", "deeper than 100"}});
      out.push_back({"mdetr_" + tag,
                     [text](const std::string& dir) { put_file(dir + "/m.json", text); },
                     [](const std::string& dir) { data::read_mdetr(dir + "/m.json", ""); },
                     {"$DIR/m.json", "deeper than 100"}});
    }
  }
  return out;
}
GLIP_MALFORMED_FAMILY(JsonDepth, json_depth_cases);

// ---- output paths: every glip output goes through write_file_atomic ----

std::vector<MalformedCase> output_path_cases() {
  auto write_to = [](const std::string& rel) {
    return [rel](const std::string& dir) { write_file_atomic(dir + "/" + rel, "data"); };
  };
  auto folder = [](const std::string& dir) { std::filesystem::create_directories(dir + "/out"); };
  auto file = [](const std::string& dir) { put_file(dir + "/f", "x"); };
  return {{"output_is_a_folder", folder, write_to("out"), {"$DIR/out", "is a folder"}},
          {"output_under_a_file", file, write_to("f/out.json"), {"$DIR/f/out.json", "cannot create its folder"}},
          {"output_deep_under_a_file", file, write_to("f/a/b/out.json"), {"$DIR/f/a/b/out.json"}},
          {"input_is_a_folder",
           folder,
           [](const std::string& dir) { read_file(dir + "/out"); },
           {"$DIR/out", "is a folder"}}};
}
GLIP_MALFORMED_FAMILY(OutputPaths, output_path_cases);

TEST(JsonDepth, BracketsInsideStringsAreNotNesting) {
  const std::string text = "{\"a\": \"" + std::string(500, '[') + "\\\"" + std::string(500, '{') + "\", \"b\": [[1]]}";
  EXPECT_EQ(json_nesting_depth(text), 3u);
  EXPECT_EQ(parse_json_input(text, "x")["b"][0][0], 1);
  EXPECT_NO_THROW(parse_json_input(deep_json(100), "x"));
}

}  // namespace
}  // namespace glip::test
