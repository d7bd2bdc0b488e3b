// BERT encoder: naive float64 reference, padding invariance, official key names and shapes.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/modeling/language/language_backbone.h"
#include "modeling/tiny_bert.h"

namespace glip::modeling {
namespace {

at::Tensor lin(const modeling::Linear& l, const at::Tensor& x) {
  return at::matmul(x, l->weight.to(at::kDouble).t()) + l->bias.to(at::kDouble);
}
at::Tensor ln(const torch::nn::LayerNorm& n, const at::Tensor& x, double eps) {
  auto mu = x.mean(-1, true);
  auto var = (x - mu).pow(2).mean(-1, true);
  return (x - mu) / at::sqrt(var + eps) * n->weight.to(at::kDouble) + n->bias.to(at::kDouble);
}

// Straight-line BERT in float64 with explicit loops over heads.
at::Tensor naive_bert(BertModelImpl& m, const at::Tensor& ids, const at::Tensor& mask, const BertOptions& o) {
  auto& e = *m.embeddings;
  const int64_t B = ids.size(0), T = ids.size(1), H = o.num_heads, D = o.hidden_size / H;
  auto x = e.word_embeddings->weight.to(at::kDouble).index_select(0, ids.flatten()).view({B, T, -1}) +
           e.position_embeddings->weight.to(at::kDouble).narrow(0, 0, T).unsqueeze(0) +
           e.token_type_embeddings->weight.to(at::kDouble)[0];
  x = ln(e.LayerNorm, x, o.layer_norm_eps);
  auto add = (1.0 - mask.to(at::kDouble)) * -10000.0;  // [B, T]
  for (const auto& mod : *m.encoder->layer) {
    auto& L = *mod->as<BertLayerImpl>();
    auto q = lin(L.attention->self->query, x), k = lin(L.attention->self->key, x), v = lin(L.attention->self->value, x);
    auto ctx = at::zeros_like(x);
    for (int64_t h = 0; h < H; ++h) {
      auto qh = q.narrow(2, h * D, D), kh = k.narrow(2, h * D, D), vh = v.narrow(2, h * D, D);
      auto s = at::matmul(qh, kh.transpose(1, 2)) / std::sqrt(double(D)) + add.unsqueeze(1);
      ctx.narrow(2, h * D, D).copy_(at::matmul(at::softmax(s, -1), vh));
    }
    auto a = ln(L.attention->output->LayerNorm, lin(L.attention->output->dense, ctx) + x, o.layer_norm_eps);
    auto i = lin(L.intermediate->dense, a);
    i = 0.5 * i * (1.0 + at::erf(i / std::sqrt(2.0)));
    x = ln(L.output->LayerNorm, lin(L.output->dense, i) + a, o.layer_norm_eps);
  }
  return x;
}

TEST(Bert, MatchesNaiveFloat64Reference) {
  torch::manual_seed(0);
  auto o = test::tiny_bert_options();
  BertModel m(o);
  m->eval();
  auto ids = torch::randint(0, o.vocab_size, {2, 7});
  auto mask = torch::ones({2, 7}, at::kLong);
  mask[1].narrow(0, 4, 3).zero_();
  torch::NoGradGuard g;
  auto out = m->forward(ids, mask);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_ALL_CLOSE(out.back(), naive_bert(*m, ids, mask, o), 1e-5, 1e-5);
}

TEST(Bert, PaddingDoesNotChangeRealTokens) {
  torch::manual_seed(1);
  auto o = test::tiny_bert_options();
  LanguageBackboneOptions lo;
  lo.bert = o;
  LanguageBackbone lb(lo);
  lb->eval();
  torch::NoGradGuard g;
  TextBatch shortb{torch::tensor({{2, 9, 13, 3}}), torch::ones({1, 4}, at::kLong), {}};
  TextBatch padded{torch::cat({shortb.input_ids, torch::zeros({1, 6}, at::kLong)}, 1),
                   torch::cat({shortb.attention_mask, torch::zeros({1, 6}, at::kLong)}, 1),
                   {}};
  auto a = lb->forward(shortb), b = lb->forward(padded);
  EXPECT_ALL_CLOSE(b.hidden.narrow(1, 0, 4), a.hidden, 1e-5, 1e-6);
  // embedded = features x mask; aggregate = mean over real tokens.
  EXPECT_EQ(b.embedded.narrow(1, 4, 6).abs().max().item<float>(), 0.0f);
  EXPECT_ALL_CLOSE(b.aggregate, a.hidden.mean(1), 1e-5, 1e-6);
  EXPECT_TRUE(b.masks.equal(padded.attention_mask));
}

TEST(Bert, RejectsBadOptionsAndInputs) {
  auto o = test::tiny_bert_options();
  o.num_heads = 5;
  EXPECT_THROW(BertModel{o}, InputError);
  BertModel m(test::tiny_bert_options());
  EXPECT_THROW(m->forward(torch::zeros({1, 30}, at::kLong), torch::ones({1, 30}, at::kLong)), InputError);
  EXPECT_THROW(m->forward(torch::zeros({1, 3}, at::kLong), torch::ones({1, 4}, at::kLong)), InputError);
}

TEST(Bert, BertBaseHasTheOfficialKeysAndShapes) {
  // language_backbone.body.model.* rows of the GLIP-T key list.
  std::ifstream f(test::parity_dir() + "/keys_glip_t.tsv");
  ASSERT_TRUE(f.good());
  std::map<std::string, std::string> want;
  std::string line;
  const std::string prefix = "language_backbone.";
  while (std::getline(f, line)) {
    std::istringstream is(line);
    std::string key, shape;
    std::getline(is, key, '\t');
    std::getline(is, shape, '\t');
    if (key.rfind(prefix, 0) == 0) want[key.substr(prefix.size())] = shape;
  }
  ASSERT_GT(want.size(), 190u);
  LanguageBackbone lb;  // bert-base-uncased
  std::map<std::string, std::string> got;
  auto fmt = [](const at::Tensor& t) {
    std::ostringstream os;
    os << "[";
    for (int64_t i = 0; i < t.dim(); ++i) os << (i ? "," : "") << t.size(i);
    os << "]";
    return os.str();
  };
  for (auto& p : lb->named_parameters()) got[p.key()] = fmt(p.value());
  for (auto& p : lb->named_buffers()) got[p.key()] = fmt(p.value());
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace glip::modeling
