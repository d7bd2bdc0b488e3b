// Loading Hugging Face BERT files (safetensors written here; the .bin reader is covered by the io tests).
#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/io/safetensors.h"
#include "glip/modeling/language/hf_bert.h"
#include "modeling/tiny_bert.h"

namespace glip::modeling {
namespace {

// The layout of the hub's bert-base-uncased files: "bert." prefix, legacy gamma/beta, MLM/NSP heads, pooler.
std::map<std::string, at::Tensor> hf_layout(BertModelImpl& m) {
  std::map<std::string, at::Tensor> t;
  for (auto& p : m.named_parameters()) {
    std::string k = "bert." + p.key();
    if (k.size() > 16 && k.compare(k.size() - 16, 16, "LayerNorm.weight") == 0) k = k.substr(0, k.size() - 6) + "gamma";
    if (k.size() > 14 && k.compare(k.size() - 14, 14, "LayerNorm.bias") == 0) k = k.substr(0, k.size() - 4) + "beta";
    t[k] = p.value().detach().clone();
  }
  t["bert.pooler.dense.weight"] = torch::randn({16, 16});
  t["cls.predictions.bias"] = torch::randn({50});
  return t;
}

TEST(HfBert, LoadsHubLayoutSafetensors) {
  torch::manual_seed(0);
  BertModel src(test::tiny_bert_options()), dst(test::tiny_bert_options());
  auto path = test::temp_dir("hfbert") + "/model.safetensors";
  io::save_safetensors(path, hf_layout(*src));
  load_hf_bert(*dst, path);
  auto a = src->named_parameters(), b = dst->named_parameters();
  for (auto& p : a) EXPECT_TRUE(p.value().equal(b[p.key()])) << p.key();
  EXPECT_TRUE(dst->embeddings->position_ids.equal(torch::arange(20).unsqueeze(0)));
}

TEST(HfBert, ListsEveryProblemInOneError) {
  BertModel src(test::tiny_bert_options()), dst(test::tiny_bert_options());
  auto t = hf_layout(*src);
  t.erase("bert.encoder.layer.1.output.dense.weight");                     // missing
  t["bert.encoder.layer.7.output.dense.weight"] = torch::zeros({16, 24});  // unexpected
  t["bert.embeddings.word_embeddings.weight"] = torch::zeros({51, 16});    // wrong shape
  auto path = test::temp_dir("hfbert_bad") + "/model.safetensors";
  io::save_safetensors(path, t);
  try {
    load_hf_bert(*dst, path);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("encoder.layer.1.output.dense.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("encoder.layer.7.output.dense.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("embeddings.word_embeddings.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
  }
}

TEST(HfBert, KeyMapping) {
  std::map<std::string, at::Tensor> in{{"bert.embeddings.LayerNorm.gamma", torch::ones({1})},
                                       {"encoder.layer.0.output.LayerNorm.beta", torch::ones({1})},
                                       {"cls.seq_relationship.weight", torch::ones({1})},
                                       {"pooler.dense.bias", torch::ones({1})}};
  auto out = hf_bert_to_model_keys(in);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out.count("embeddings.LayerNorm.weight"));
  EXPECT_TRUE(out.count("encoder.layer.0.output.LayerNorm.bias"));
}

}  // namespace
}  // namespace glip::modeling
