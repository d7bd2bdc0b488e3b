// The full GLIP-T, GLIP-T(A) and GLIP-L models built from configs/model/*.yaml have exactly the official state-dict
// keys, shapes and dtypes.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/test_utils.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/modeling/glip_model.h"
#include "glip/modeling/model_config.h"

namespace glip::modeling {
namespace {

std::string shape_str(const at::Tensor& t) {
  std::ostringstream os;
  os << "[";
  for (int64_t i = 0; i < t.dim(); ++i) os << (i ? "," : "") << t.size(i);
  os << "]\t" << (t.scalar_type() == at::kLong ? "I64" : t.scalar_type() == at::kFloat ? "F32" : "other");
  return os.str();
}

std::map<std::string, std::string> official_keys(const std::string& file) {
  std::ifstream f(test::parity_dir() + "/" + file);
  EXPECT_TRUE(f.good()) << file;
  std::map<std::string, std::string> keys;
  std::string line;
  while (std::getline(f, line)) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) keys[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return keys;
}

void expect_same_keys(const GlipModelOptions& o, const std::string& file, size_t expected_count) {
  auto want = official_keys(file);
  ASSERT_EQ(want.size(), expected_count) << file;
  std::map<std::string, std::string> got;
  {
    GlipModel m(o);
    for (auto& p : m->named_parameters()) got[p.key()] = shape_str(p.value());
    for (auto& p : m->named_buffers()) got[p.key()] = shape_str(p.value());
  }
  std::vector<std::string> missing, extra, shape;
  for (auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) missing.push_back(k);
    else if (it->second != v) shape.push_back(k + ": " + it->second + " vs official " + v);
  }
  for (auto& [k, v] : got)
    if (!want.count(k)) extra.push_back(k);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < 20; ++i) s += "\n  " + v[i];
    return s;
  };
  EXPECT_TRUE(missing.empty()) << missing.size() << " missing:" << join(missing);
  EXPECT_TRUE(extra.empty()) << extra.size() << " extra:" << join(extra);
  EXPECT_TRUE(shape.empty()) << shape.size() << " wrong shape/dtype:" << join(shape);
}

GlipModelOptions from_config(const std::string& name) {
  app::GlipConfig cfg;
  config::load_file(cfg, test::data_dir() + "/../../configs/model/" + name + ".yaml", {});
  return build_model_options(cfg.model);
}

TEST(GlipKeys, GlipT) { expect_same_keys(from_config("glip_t"), "keys_glip_t.tsv", 746); }
TEST(GlipKeys, GlipTB) { expect_same_keys(from_config("glip_t_b"), "keys_glip_t.tsv", 746); }
TEST(GlipKeys, GlipTC) { expect_same_keys(from_config("glip_t_c"), "keys_glip_t.tsv", 746); }
TEST(GlipKeys, GlipTA) { expect_same_keys(from_config("glip_t_a"), "keys_glip_t_a.tsv", 542); }
TEST(GlipKeys, GlipL) { expect_same_keys(from_config("glip_l"), "keys_glip_l.tsv", 1022); }

TEST(GlipKeys, SwinApeAddsTheOfficialAbsolutePositionEmbeddingKey) {
  app::GlipConfig cfg;
  config::load_file(cfg, test::data_dir() + "/../../configs/model/glip_tiny.yaml", {"model.swin_ape=true"});
  const auto o = build_model_options(cfg.model);
  ASSERT_TRUE(o.backbone.swin.ape);
  GlipModel m(o);
  const auto params = m->named_parameters();
  ASSERT_TRUE(params.contains("backbone.body.absolute_pos_embed"));
  const int64_t r = o.backbone.swin.pretrain_img_size / o.backbone.swin.patch_size;
  EXPECT_EQ(params["backbone.body.absolute_pos_embed"].sizes().vec(),
            (std::vector<int64_t>{1, cfg.model.swin_embed_dim, r, r}));
}

}  // namespace
}  // namespace glip::modeling
