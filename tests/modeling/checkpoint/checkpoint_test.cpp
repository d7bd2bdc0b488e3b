// Official .pth layout and the project's own checkpoint format.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/io/safetensors.h"
#include "glip/modeling/checkpoint.h"
#include "glip/modeling/language/bert.h"
#include "modeling/tiny_bert.h"

namespace glip::modeling {
namespace {

TEST(OfficialCheckpoint, IgnoredKeys) {
  EXPECT_TRUE(is_ignored_official_key("rpn.anchor_generator.cell_anchors.0"));
  EXPECT_TRUE(is_ignored_official_key("rpn.resizer.fc.weight"));
  EXPECT_TRUE(is_ignored_official_key("language_backbone.body.model.pooler.dense.weight"));
  EXPECT_FALSE(is_ignored_official_key("rpn.head.bias0"));
}

TEST(OfficialCheckpoint, ReleasedLayoutMatchesDyConvFixtureBitForBit) {
  auto got = read_official_checkpoint(test::parity_dir() + "/official_layout_checkpoint.pth");
  auto want = io::load_safetensors(test::parity_dir() + "/dyconv.safetensors").tensors;
  size_t n = 0;
  for (auto& [k, v] : want) {
    if (k.rfind("rpn.", 0) != 0) continue;
    ++n;
    ASSERT_TRUE(got.count(k)) << k;
    EXPECT_EQ(got[k].scalar_type(), v.scalar_type()) << k;
    EXPECT_TRUE(got[k].equal(v)) << k;
  }
  EXPECT_EQ(n, 20u);
  EXPECT_EQ(got.size(), n);
}

TEST(ProjectCheckpoint, RoundTripWithRecord) {
  torch::manual_seed(0);
  BertModel a(test::tiny_bert_options()), b(test::tiny_bert_options());
  CheckpointRecord rec;
  rec.config_yaml = "model:\n  variant: tiny\n";
  rec.build_info = {{"version", "0.1.0"}};
  rec.training_state = {{"iteration", "12"}};
  auto path = test::temp_dir("ckpt") + "/m.safetensors";
  save_checkpoint(path, *a, rec);
  auto back = load_checkpoint(*b, path);
  EXPECT_EQ(back.config_yaml, rec.config_yaml);
  EXPECT_EQ(back.build_info, rec.build_info);
  EXPECT_EQ(back.training_state, rec.training_state);
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (auto& p : pa) EXPECT_TRUE(p.value().equal(pb[p.key()])) << p.key();
  EXPECT_TRUE(a->embeddings->position_ids.equal(b->embeddings->position_ids));
}

TEST(ProjectCheckpoint, CorruptOrForeignFilesGiveClearErrors) {
  BertModel a(test::tiny_bert_options());
  auto dir = test::temp_dir("ckpt_bad");
  save_checkpoint(dir + "/m.safetensors", *a, {});
  std::string bytes;
  {
    std::ifstream f(dir + "/m.safetensors", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  {
    std::ofstream f(dir + "/trunc.safetensors", std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  EXPECT_THROW(load_checkpoint(*a, dir + "/trunc.safetensors"), InputError);
  io::save_safetensors(dir + "/plain.safetensors", {{"x", torch::zeros({2})}});
  try {
    read_checkpoint_record(dir + "/plain.safetensors");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("plain.safetensors"), std::string::npos) << e.what();
  }
  auto other = test::tiny_bert_options();
  other.hidden_size = 12;
  other.num_heads = 3;
  BertModel wrong(other);
  try {
    load_checkpoint(*wrong, dir + "/m.safetensors");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("embeddings.word_embeddings.weight"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/missing.safetensors"));
  EXPECT_THROW(load_checkpoint(*a, dir + "/missing.safetensors"), InputError);
}

}  // namespace
}  // namespace glip::modeling
