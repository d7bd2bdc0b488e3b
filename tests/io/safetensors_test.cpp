#include "glip/io/safetensors.h"

#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::io {

TEST(Safetensors, RoundTripAllDtypes) {
  std::map<std::string, at::Tensor> t;
  t["a.f32"] = at::randn({3, 5});
  t["b.f64"] = at::randn({2}, at::kDouble);
  t["c.i64"] = at::arange(7, at::kLong).view({7, 1});
  t["d.bool"] = at::rand({4}) > 0.5;
  t["e.f16"] = at::randn({2, 2}).to(at::kHalf);
  t["f.scalar"] = at::tensor(3.5f).view({});
  t["g.empty"] = at::zeros({0, 3});
  auto dir = test::temp_dir("st");
  save_safetensors(dir + "/x.safetensors", t, {{"format", "pt"}});
  auto back = load_safetensors(dir + "/x.safetensors");
  ASSERT_EQ(back.tensors.size(), t.size());
  EXPECT_EQ(back.metadata.at("format"), "pt");
  for (auto& [k, v] : t) {
    ASSERT_TRUE(back.tensors.count(k)) << k;
    EXPECT_EQ(back.tensors[k].scalar_type(), v.scalar_type()) << k;
    EXPECT_TRUE(back.tensors[k].equal(v)) << k;
  }
}

TEST(Safetensors, ReadsParityFixture) {
  auto f = load_safetensors(test::data_dir() + "/glip_parity/bert_layer.safetensors");
  EXPECT_TRUE(f.tensors.count("input.hidden"));
  EXPECT_EQ(f.tensors["input.hidden"].sizes(), (at::IntArrayRef{2, 12, 48}));
  EXPECT_EQ(f.tensors["input.mask"].scalar_type(), at::kLong);
}

TEST(Safetensors, TruncatedFileGivesClearError) {
  auto dir = test::temp_dir("st");
  std::map<std::string, at::Tensor> t{{"w", at::randn({64})}};
  auto bytes = serialize_safetensors(t);
  write_file_atomic(dir + "/trunc.safetensors", bytes.substr(0, bytes.size() - 10));
  try {
    load_safetensors(dir + "/trunc.safetensors");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("trunc.safetensors"), std::string::npos) << m;
    EXPECT_NE(m.find("'w'"), std::string::npos) << m;
  }
  write_file_atomic(dir + "/short.safetensors", "abc");
  EXPECT_THROW(load_safetensors(dir + "/short.safetensors"), InputError);
}

}  // namespace glip::io
