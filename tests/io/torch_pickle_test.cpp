#include "glip/io/torch_pickle.h"

#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::io {
namespace {

std::string official_pth() { return test::data_dir() + "/glip_parity/official_layout_checkpoint.pth"; }

}  // namespace

TEST(TorchPickle, OfficialLayoutModelMatchesDyconvBitForBit) {
  auto model = strip_module_prefix(load_torch_tensors(official_pth(), "model").tensors);
  auto ref = load_safetensors(test::data_dir() + "/glip_parity/dyconv.safetensors").tensors;
  ASSERT_EQ(model.size(), 20u);
  for (const auto& [k, v] : model) {
    ASSERT_TRUE(ref.count(k)) << "unexpected key " << k;
    EXPECT_EQ(v.scalar_type(), ref[k].scalar_type()) << k;
    EXPECT_TRUE(v.equal(ref[k])) << k;
  }
}

TEST(TorchPickle, ReadsOtherEntriesOfTheSameFile) {
  auto model = load_torch_tensors(official_pth(), "model").tensors;
  auto ema = load_torch_tensors(official_pth(), "model_ema").tensors;
  ASSERT_EQ(ema.size(), model.size());
  for (const auto& [k, v] : model) {
    if (v.is_floating_point()) {
      EXPECT_TRUE(ema.at(k).equal(v * 0.5)) << k;
    }
  }
}

TEST(TorchPickle, LegacyFormatWithSharedAndStridedStorages) {
  auto t = load_torch_tensors(test::data_dir() + "/torch_pickle/legacy_format.bin", "").tensors;
  ASSERT_EQ(t.size(), 4u);
  auto w = at::arange(6, at::kFloat).view({2, 3});
  EXPECT_TRUE(t.at("a.weight").equal(w));
  EXPECT_TRUE(t.at("a.bias").equal(at::tensor({10.f, 11.f, 12.f})));
  EXPECT_TRUE(t.at("b.t").equal(w.t()));
  EXPECT_TRUE(t.at("b.t").is_contiguous());
  EXPECT_TRUE(t.at("b.ids").equal(at::tensor({7, 8, 9, 10}, at::kLong)));
  // An entry name that the root lacks falls back to the root dict (HF pytorch_model.bin has no "model").
  EXPECT_EQ(load_torch_tensors(test::data_dir() + "/torch_pickle/legacy_format.bin", "model").tensors.size(), 4u);
}

TEST(TorchPickle, TruncatedAndForeignFilesGiveClearErrors) {
  auto dir = test::temp_dir("pth");
  std::string bytes = read_file(official_pth());
  for (size_t cut : {bytes.size() / 2, size_t(100), size_t(3)}) {
    write_file_atomic(dir + "/cut.pth", bytes.substr(0, cut));
    try {
      load_torch_tensors(dir + "/cut.pth");
      FAIL() << "expected an error for a file cut at " << cut;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.pth"), std::string::npos) << e.what();
    }
  }
  std::string legacy = read_file(test::data_dir() + "/torch_pickle/legacy_format.bin");
  write_file_atomic(dir + "/legacy_cut.bin", legacy.substr(0, legacy.size() - 4));
  EXPECT_THROW(load_torch_tensors(dir + "/legacy_cut.bin"), InputError);
  write_file_atomic(dir + "/text.pth", "this is not a checkpoint at all");
  EXPECT_THROW(load_torch_tensors(dir + "/text.pth"), InputError);
  EXPECT_THROW(load_torch_tensors(dir + "/missing.pth"), InputError);
}

TEST(TorchPickle, StripModulePrefixOnlyAtTheStart) {
  std::map<std::string, at::Tensor> m{{"module.a.b", at::ones({1})}, {"x.module.c", at::ones({1})}};
  auto s = strip_module_prefix(m);
  EXPECT_TRUE(s.count("a.b"));
  EXPECT_TRUE(s.count("x.module.c"));
}

}  // namespace glip::io
