// Checkpoint families: .pth pickles (nesting, cycles, lengths, truncation), tensor records (sizes, strides,
// offsets, storage sizes), safetensors headers, and tensors with NaN or Inf values.
#include <torch/nn/modules/linear.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/io/safetensors.h"
#include "glip/io/state_dict.h"
#include "glip/io/torch_pickle.h"
#include "glip/modeling/checkpoint.h"
#include "glip/modeling/language/bert.h"
#include "glip/modeling/language/hf_bert.h"
#include "robustness/malformed.h"
#include "robustness/pth_builder.h"

namespace glip::test {
namespace {

using namespace std::string_literals;

constexpr int64_t kBig = int64_t{1} << 62;

MalformedCase pth_case(const std::string& name, const std::string& bytes, std::vector<std::string> expect) {
  expect.insert(expect.begin(), "$DIR/m.pth");
  return {name, [bytes](const std::string& dir) { put_file(dir + "/m.pth", bytes); },
          [](const std::string& dir) { io::load_torch_tensors(dir + "/m.pth"); }, std::move(expect)};
}

MalformedCase tensor_case(const std::string& name, PthTensor t, const std::string& expect) {
  return pth_case("tensor_" + name, legacy_pth({t}), {expect});
}

std::vector<MalformedCase> tensor_record_cases() {
  std::vector<MalformedCase> out;
  auto with = [](auto edit) {
    PthTensor t;
    edit(t);
    return t;
  };
  out.push_back(tensor_case("negative_size", with([](PthTensor& t) { t.sizes = {-1, 3}; }), "tensor 'w'"));
  out.push_back(tensor_case("negative_stride", with([](PthTensor& t) { t.strides = {3, -1}; }), "tensor 'w'"));
  out.push_back(tensor_case("negative_offset", with([](PthTensor& t) { t.offset = -1; }), "tensor 'w'"));
  out.push_back(tensor_case("offset_past_end", with([](PthTensor& t) { t.offset = 6; }), "tensor 'w'"));
  out.push_back(tensor_case("huge_offset", with([](PthTensor& t) { t.offset = kBig; }), "tensor 'w'"));
  out.push_back(tensor_case("sizes_overflow", with([](PthTensor& t) { t.sizes = {kBig, kBig}; }), "tensor 'w'"));
  out.push_back(tensor_case("strides_overflow", with([](PthTensor& t) {
                              t.strides = {std::numeric_limits<int64_t>::max(), 1};
                            }),
                            "tensor 'w'"));
  out.push_back(tensor_case("reads_past_storage", with([](PthTensor& t) { t.sizes = {3, 3}; }), "tensor 'w'"));
  out.push_back(tensor_case("sizes_strides_count", with([](PthTensor& t) { t.strides = {1}; }), "tensor 'w'"));
  out.push_back(tensor_case("dims_65", with([](PthTensor& t) {
                              t.sizes.assign(65, 1);
                              t.strides.assign(65, 1);
                            }),
                            "tensor 'w'"));
  out.push_back(tensor_case("stride0_huge", with([](PthTensor& t) {
                              t.sizes = {int64_t{1} << 50};
                              t.strides = {0};
                            }),
                            "tensor 'w'"));
  out.push_back(tensor_case("storage_negative", with([](PthTensor& t) { t.numel = -5; }), "storage '0'"));
  out.push_back(tensor_case("storage_huge", with([](PthTensor& t) { t.numel = int64_t{1} << 61; }), "storage '0'"));
  out.push_back(tensor_case("storage_max", with([](PthTensor& t) { t.numel = std::numeric_limits<int64_t>::max(); }),
                            "storage '0'"));
  out.push_back(tensor_case("storage_short", with([](PthTensor& t) { t.data.resize(3); }), "storage '0'"));
  out.push_back(tensor_case("storage_type", with([](PthTensor& t) { t.storage_type = "ComplexStorage"; }),
                            "torch.ComplexStorage"));
  return out;
}
GLIP_MALFORMED_FAMILY(PthTensorRecords, tensor_record_cases);

std::string proto() { return std::string("\x80\x02", 2); }

/** Lists (or tuples, dicts) nested `depth` deep, built bottom-up with MARKs. */
std::string nested_bottom_up(char kind, size_t depth) {
  std::string p = proto();
  for (size_t i = 0; i < depth; ++i) p += kind == 'd' ? std::string("(X\x01\x00\x00\x00k", 7) : std::string("(");
  p += kind == 'd' ? "N" : (kind == 't' ? ")" : "]");
  p += std::string(depth, kind == 'd' ? 'd' : (kind == 't' ? 't' : 'l'));
  return p + ".";
}

/** A list nested `depth` deep built top-down through the memo (each new list is appended to the previous one). */
std::string nested_top_down(size_t depth) {
  PickleWriter p;
  p.bytes = proto();
  p.op(']').put(0);
  for (uint32_t i = 1; i <= depth; ++i) p.op(']').put(i).op('a').get(i);
  p.get(0).op('.');
  return p.bytes;
}

std::string le64(uint64_t v) {
  std::string s;
  for (int k = 0; k < 8; ++k) s += static_cast<char>((v >> (8 * k)) & 0xff);
  return s;
}

std::vector<MalformedCase> pickle_cases() {
  std::vector<MalformedCase> out;
  for (size_t depth : {101, 1000, 100000}) {
    const std::string d = std::to_string(depth);
    out.push_back(pth_case("list_" + d, legacy_pth_with_pickle(nested_bottom_up('l', depth)), {"deeper than 100"}));
    out.push_back(pth_case("tuple_" + d, legacy_pth_with_pickle(nested_bottom_up('t', depth)), {"deeper than 100"}));
    out.push_back(pth_case("dict_" + d, legacy_pth_with_pickle(nested_bottom_up('d', depth)), {"deeper than 100"}));
    out.push_back(pth_case("memo_list_" + d, legacy_pth_with_pickle(nested_top_down(depth)), {"deeper than 100"}));
  }
  out.push_back(pth_case("cycle", legacy_pth_with_pickle(proto() + "]2a."), {"contains itself"}));
  out.push_back(pth_case("dict_cycle", legacy_pth_with_pickle(proto() + "}q\x00X\x01\x00\x00\x00kh\x00s."s),
                         {"contains itself"}));
  out.push_back(pth_case("memo_put_text", legacy_pth_with_pickle(proto() + "]pabc\n."), {"memo key 'abc'"}));
  out.push_back(pth_case("memo_get_negative", legacy_pth_with_pickle(proto() + "]p1\ng-1\n."), {"memo key '-1'"}));
  out.push_back(pth_case("memo_get_unset", legacy_pth_with_pickle(proto() + "]h\x07."), {"memo key 7"}));
  out.push_back(pth_case("binunicode_4g",
                         legacy_pth_with_pickle(proto() + "X\xff\xff\xff\xff"
                                                          "abc."s),
                         {"truncated"}));
  out.push_back(
      pth_case("unicode8_2p64", legacy_pth_with_pickle(proto() + "\x8d"s + le64(~0ull) + "abc."), {"truncated"}));
  out.push_back(
      pth_case("bytes8_2p63", legacy_pth_with_pickle(proto() + "\x8e"s + le64(1ull << 63) + "abc."), {"truncated"}));
  out.push_back(pth_case("long4_huge",
                         legacy_pth_with_pickle(proto() + "\x8b\xff\xff\xff\x7f"
                                                          "abc."s),
                         {"does not fit 64 bits"}));
  out.push_back(pth_case("stack_underflow", legacy_pth_with_pickle(proto() + "a."), {"stack"}));
  out.push_back(pth_case("unknown_opcode", legacy_pth_with_pickle(proto() + "\xff."s), {"opcode 0xff"}));
  out.push_back(pth_case("no_stop", legacy_pth_with_pickle(proto() + "]"), {"$DIR/m.pth"}));
  const std::string valid = legacy_pth({PthTensor{}});
  for (size_t cut = 1; cut < valid.size(); cut += 1 + cut / 4)
    out.push_back(pth_case("cut_at_" + std::to_string(cut), valid.substr(0, cut), {}));
  return out;
}
GLIP_MALFORMED_FAMILY(PthPickle, pickle_cases);

// ---- safetensors headers ----

std::string safetensors_bytes(const std::string& header, size_t data_bytes = 24) {
  return le64(header.size()) + header + std::string(data_bytes, '\0');
}

std::string entry(const std::string& dtype, const std::string& shape, const std::string& offsets) {
  return R"({"w":{"dtype":)" + dtype + R"(,"shape":)" + shape + R"(,"data_offsets":)" + offsets + "}}";
}

MalformedCase st_case(const std::string& name, const std::string& bytes, std::vector<std::string> expect) {
  expect.insert(expect.begin(), "$DIR/m.safetensors");
  return {"st_" + name, [bytes](const std::string& dir) { put_file(dir + "/m.safetensors", bytes); },
          [](const std::string& dir) { io::load_safetensors(dir + "/m.safetensors"); }, std::move(expect)};
}

std::string ones_shape(int dims) {
  std::string s = "[";
  for (int i = 0; i < dims; ++i) s += i ? ",1" : "1";
  return s + "]";
}

std::vector<MalformedCase> safetensors_cases() {
  std::vector<MalformedCase> out;
  const std::string ok_shape = "[2,3]", ok_offsets = "[0,24]", f32 = R"("F32")";
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"dtype_number", entry("5", ok_shape, ok_offsets)},
      {"dtype_unknown", entry(R"("F99")", ok_shape, ok_offsets)},
      {"shape_string", entry(f32, R"("a")", ok_offsets)},
      {"shape_negative", entry(f32, "[-1,3]", ok_offsets)},
      {"shape_fraction", entry(f32, "[2.5,3]", ok_offsets)},
      {"shape_overflow", entry(f32, "[4611686018427387904,4611686018427387904]", ok_offsets)},
      {"shape_2p64", entry(f32, "[18446744073709551615]", ok_offsets)},
      {"shape_65_dims", entry(f32, ones_shape(65), ok_offsets)},
      {"shape_needs_more_bytes", entry(f32, "[2,4]", ok_offsets)},
      {"offsets_reversed", entry(f32, ok_shape, "[24,0]")},
      {"offsets_float", entry(f32, ok_shape, "[0,1e30]")},
      {"offsets_2p64", entry(f32, ok_shape, "[0,18446744073709551615]")},
      {"offsets_string", entry(f32, ok_shape, R"(["0",24])")},
      {"offsets_one", entry(f32, ok_shape, "[0]")},
      {"offsets_negative", entry(f32, ok_shape, "[-24,0]")},
      {"missing_dtype", R"({"w":{"shape":[2,3],"data_offsets":[0,24]}})"},
      {"missing_shape", R"({"w":{"dtype":"F32","data_offsets":[0,24]}})"},
      {"missing_offsets", R"({"w":{"dtype":"F32","shape":[2,3]}})"},
      {"entry_number", R"({"w":5})"},
      {"entry_list", R"({"w":[]})"},
      {"entry_string", R"({"w":"F32"})"},
      {"metadata_list", R"({"__metadata__":[1,2]})"},
      {"metadata_number", R"({"__metadata__":5})"},
      {"metadata_value_number", R"({"__metadata__":{"a":5}})"},
      {"metadata_value_object", R"({"__metadata__":{"a":{"b":"c"}}})"},
      {"header_list", "[1]"},
      {"header_string", R"("x")"},
      {"header_deep", deep_json(200)},
      {"header_deep_object", "{\"w\":" + deep_json(150, '[', ']') + "}"},
      {"header_invalid", "{"},
      {"header_not_utf8", "{\"\xff\":1}"},
  };
  for (const auto& [name, h] : headers) {
    std::vector<std::string> expect;
    if (h.rfind("{\"w\"", 0) == 0 && name.rfind("header", 0) != 0) expect.push_back("tensor 'w'");
    if (name.rfind("metadata", 0) == 0) expect.push_back("metadata");
    out.push_back(st_case(name, safetensors_bytes(h), expect));
  }
  out.push_back(st_case("header_len_2p63", le64(1ull << 63) + "{}", {"header of"}));
  out.push_back(st_case("header_len_2p64", le64(~0ull) + "{}", {"header of"}));
  const std::string valid = io::serialize_safetensors({{"w", at::ones({2, 3})}}, {{"k", "v"}});
  for (size_t cut : {size_t(0), size_t(4), size_t(7), size_t(8), size_t(20), valid.size() - 24, valid.size() - 1})
    out.push_back(st_case("cut_at_" + std::to_string(cut), valid.substr(0, cut), {}));
  return out;
}
GLIP_MALFORMED_FAMILY(SafetensorsHeader, safetensors_cases);

// ---- non-finite weights ----

std::vector<MalformedCase> weight_nonfinite_cases() {
  std::vector<MalformedCase> out;
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  for (const auto& [label, value] :
       std::vector<std::pair<std::string, float>>{{"nan", nan}, {"inf", inf}, {"neg_inf", -inf}}) {
    for (const std::string which : {"weight", "bias"}) {
      at::Tensor w = at::zeros({2, 3}), b = at::zeros({2});
      (which == "weight" ? w : b).view({-1})[1] = value;
      const std::string st = io::serialize_safetensors({{"weight", w}, {"bias", b}});
      for (const bool strict : {true, false}) {
        out.push_back({case_name("safetensors_" + which + "_" + label + (strict ? "_strict" : "_lenient")),
                       [st](const std::string& dir) { put_file(dir + "/m.safetensors", st); },
                       [strict](const std::string& dir) {
                         torch::nn::Linear lin(3, 2);
                         io::LoadOptions lo;
                         lo.strict = strict;
                         lo.source = dir + "/m.safetensors";
                         io::load_state_dict(*lin, io::load_safetensors(dir + "/m.safetensors").tensors, lo);
                       },
                       {"$DIR/m.safetensors", "tensor '" + which + "'", "NaN or Inf"}});
      }
      PthTensor t;
      t.name = which;
      if (which == "bias") t.numel = 2, t.sizes = {2}, t.strides = {1}, t.data = {0, 0};
      t.data[1] = value;
      PthTensor other = which == "weight" ? PthTensor{"bias", "FloatStorage", 2, 0, {2}, {1}, {0, 0}} : PthTensor{};
      if (which == "bias") other.name = "weight";
      const std::string pth = legacy_pth({t, other});
      out.push_back({case_name("official_pth_" + which + "_" + label),
                     [pth](const std::string& dir) { put_file(dir + "/m.pth", pth); },
                     [](const std::string& dir) {
                       torch::nn::Linear lin(3, 2);
                       modeling::load_official_checkpoint(*lin, dir + "/m.pth", false);
                     },
                     {"$DIR/m.pth", "tensor '" + which + "'", "NaN or Inf"}});
    }
  }
  return out;
}
GLIP_MALFORMED_FAMILY(NonFiniteWeights, weight_nonfinite_cases);

// ---- index buffers: position ids past the position table ----

modeling::BertOptions tiny_bert() {
  modeling::BertOptions o;
  o.vocab_size = 16, o.hidden_size = 8, o.num_layers = 1, o.num_heads = 2, o.intermediate_size = 8;
  o.max_position_embeddings = 12;
  return o;
}

/** A tiny BERT's weights as safetensors, with embeddings.position_ids replaced by `ids` (undefined: kept). */
std::string bert_file(const at::Tensor& ids, int64_t positions = 12) {
  modeling::BertOptions o = tiny_bert();
  o.max_position_embeddings = positions;
  modeling::BertModel bert(o);
  auto tensors = io::state_dict(*bert);
  if (ids.defined()) tensors["embeddings.position_ids"] = ids;
  return io::serialize_safetensors(tensors);
}

std::vector<MalformedCase> index_cases() {
  std::vector<MalformedCase> out;
  const auto add = [&](const std::string& name, const std::string& file, std::vector<std::string> expect) {
    expect.insert(expect.begin(), "$DIR/bert.safetensors");
    out.push_back({name, [file](const std::string& dir) { put_file(dir + "/bert.safetensors", file); },
                   [](const std::string& dir) {
                     modeling::BertModel bert(tiny_bert());
                     modeling::load_hf_bert(*bert, dir + "/bert.safetensors");
                   },
                   std::move(expect)});
  };
  const std::string key = "embeddings.position_ids";
  add("position_id_equal_to_rows", bert_file(at::arange(1, 13).unsqueeze(0)), {key, "0..11", "got 1..12"});
  add("position_id_huge", bert_file(at::full({1, 12}, int64_t{1} << 40, at::kLong)), {key, "0..11"});
  add("position_id_negative", bert_file(at::arange(-1, 11).unsqueeze(0)), {key, "got -1..10"});
  add("position_table_shorter", bert_file(at::Tensor(), 8), {"position_embeddings.weight", "[8, 8]"});
  // The same file through the official-checkpoint path (a torch.save-free safetensors load of the whole module).
  out.push_back({"position_id_official_loader",
                 [f = bert_file(at::arange(5, 17).unsqueeze(0))](const std::string& dir) {
                   put_file(dir + "/bert.safetensors", f);
                 },
                 [](const std::string& dir) {
                   modeling::BertModel bert(tiny_bert());
                   io::LoadOptions lo;
                   lo.source = dir + "/bert.safetensors";
                   lo.strict = false;  // even a lenient load never copies such ids; it is refused when strict
                   const auto report =
                       io::load_state_dict(*bert, io::load_safetensors(dir + "/bert.safetensors").tensors, lo);
                   GLIP_CHECK_INPUT(report.ok(), "not ok:", report.describe());
                 },
                 {"$DIR/bert.safetensors", key, "got 5..16"}});
  return out;
}
GLIP_MALFORMED_FAMILY(CheckpointIndices, index_cases);

TEST(CheckpointIndices, InRangeIdsLoadAndRun) {  // the other side: a permuted but valid buffer loads
  const std::string dir = temp_dir("bert_ids");
  put_file(dir + "/bert.safetensors", bert_file(at::arange(11, -1, -1).unsqueeze(0)));
  modeling::BertModel bert(tiny_bert());
  modeling::load_hf_bert(*bert, dir + "/bert.safetensors");
  EXPECT_EQ(bert->embeddings->position_ids[0][0].item<int64_t>(), 11);
  std::filesystem::remove_all(dir);
}

TEST(NonFiniteWeights, SavingRefusesAndWritesNothing) {
  const std::string dir = temp_dir("nonfinite_save");
  at::Tensor w = at::ones({4});
  w[2] = std::nanf("");
  try {
    io::save_safetensors(dir + "/out.safetensors", {{"w", w}});
    FAIL() << "a tensor with NaN was written";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'w' has 1 of 4 values NaN or Inf"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(list_files(dir).empty());
  std::filesystem::remove_all(dir);
}

TEST(PthPickle, ValidFilesStillLoad) {  // the builder's valid output: what every case above mutates
  const std::string dir = temp_dir("pth_valid");
  put_file(dir + "/m.pth", legacy_pth({PthTensor{}}));
  auto t = io::load_torch_tensors(dir + "/m.pth").tensors;
  EXPECT_TRUE(t.at("w").equal(at::arange(6, at::kFloat).view({2, 3})));
  put_file(dir + "/d.pth", legacy_pth_with_pickle(nested_bottom_up('l', 99)));
  try {  // 100 levels are accepted by the unpickler; the file then has no dict of tensors
    io::load_torch_tensors(dir + "/d.pth");
    FAIL() << "a list is no checkpoint";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("expected a dict of tensors"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace glip::test
