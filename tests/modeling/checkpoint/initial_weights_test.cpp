// model.weight / --checkpoint: initial weights from a project checkpoint into a model built from options, the
// prompt-tuning offsets that a checkpoint never has, and the errors for files that do not fit.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/modeling/checkpoint.h"
#include "glip/modeling/glip_model.h"

namespace glip::modeling {
namespace {

std::string saved_tiny_model(GlipModel& m) {
  const std::string path = test::temp_dir("initial_weights") + "/model.safetensors";
  save_checkpoint(path, *m, CheckpointRecord{"model: {}", {}, {}});
  return path;
}

void expect_same_parameters(GlipModel& a, GlipModel& b) {
  auto pb = b->named_parameters();
  int64_t compared = 0;
  for (const auto& p : a->named_parameters()) {
    if (!pb.contains(p.key())) continue;
    EXPECT_TRUE(at::equal(p.value(), pb[p.key()])) << p.key();
    ++compared;
  }
  EXPECT_GT(compared, 100);
}

TEST(InitialWeights, ProjectCheckpointLoadsIntoAFreshModel) {
  torch::manual_seed(1);
  GlipModel a(GlipModelOptions::tiny(true));
  const auto path = saved_tiny_model(a);
  torch::manual_seed(2);
  GlipModel b(GlipModelOptions::tiny(true));
  load_initial_weights(*b, path);
  expect_same_parameters(a, b);
}

TEST(InitialWeights, PromptTuningOffsetsMayBeMissingAndStayZero) {
  torch::manual_seed(1);
  GlipModel a(GlipModelOptions::tiny(true));
  const auto path = saved_tiny_model(a);
  auto o = GlipModelOptions::tiny(true);
  o.add_linear_layer = true;
  GlipModel b(o);
  load_initial_weights(*b, path);
  expect_same_parameters(a, b);
  EXPECT_EQ(b->rpn->tunable_linear->weight.abs().sum().item<float>(), 0.0f);
}

TEST(InitialWeights, AFileThatDoesNotFitNamesItAndTheKeys) {
  GlipModel fused(GlipModelOptions::tiny(true));
  const auto path = saved_tiny_model(fused);
  GlipModel unfused(GlipModelOptions::tiny(false));  // GLIP-T(A)-style: no fusion blocks in the tower
  try {
    load_initial_weights(*unfused, path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("rpn.head.dyhead_tower"), std::string::npos) << msg;
  }
  EXPECT_THROW(load_initial_weights(*unfused, path + ".missing"), InputError);
}

}  // namespace
}  // namespace glip::modeling
