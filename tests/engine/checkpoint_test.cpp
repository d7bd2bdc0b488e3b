// Checkpoint files: round trip, keep-last-K, pointer written last, stale temp files, RNG states.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/engine/checkpoint.h"

namespace glip::engine {
namespace {
namespace fs = std::filesystem;

Checkpoint make(int64_t it) {
  Checkpoint c;
  c.iteration = it;
  c.model = {{"a.weight", torch::full({2, 2}, static_cast<float>(it))}};
  c.train_state = {{"optimizer.step.a.weight", torch::tensor(it)}};
  c.record_json = "{\"iteration\": " + std::to_string(it) + "}";
  return c;
}

TEST(Checkpoint, RoundTripKeepLastKAndNaming) {
  const std::string dir = glip::test::temp_dir("engine_ckpt");
  CheckpointManager m(dir, 2);
  EXPECT_FALSE(m.latest_iteration().has_value());
  EXPECT_FALSE(m.load_latest().has_value());
  for (int64_t it : {10, 20, 30}) m.save(make(it));
  m.save_rank_state(30, 1, {{"rng.cpu", torch::ones({3}, at::kByte)}});
  EXPECT_EQ(*m.latest_iteration(), 30);
  EXPECT_EQ(m.model_path(30), dir + "/model_0000030.safetensors");
  EXPECT_FALSE(fs::exists(dir + "/model_0000010.safetensors"));
  EXPECT_FALSE(fs::exists(dir + "/train_0000010.json"));
  EXPECT_TRUE(fs::exists(dir + "/model_0000020.safetensors"));
  const auto c = m.load_latest();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->iteration, 30);
  EXPECT_TRUE(c->model.at("a.weight").equal(torch::full({2, 2}, 30.0f)));
  EXPECT_EQ(c->train_state.at("optimizer.step.a.weight").item<int64_t>(), 30);
  EXPECT_EQ(c->record_json, "{\"iteration\": 30}");
  EXPECT_EQ(m.load_rank_state(30, 1).at("rng.cpu").numel(), 3);
  EXPECT_TRUE(m.load_rank_state(30, 2).empty());
  m.save(make(40));
  m.save(make(50));
  EXPECT_FALSE(fs::exists(dir + "/train_0000030.rank1.safetensors"));
  EXPECT_FALSE(fs::exists(dir + "/model_0000030.safetensors"));
}

TEST(Checkpoint, IncompleteNewerFilesAreIgnoredAndTempFilesRemoved) {
  const std::string dir = glip::test::temp_dir("engine_ckpt_partial");
  CheckpointManager m(dir, 3);
  m.save(make(5));
  // A writer killed after the model file of checkpoint 6 but before the pointer.
  write_file_atomic(dir + "/model_0000006.safetensors", "garbage");
  write_file_atomic(dir + "/train_0000006.json.tmp.123.456", "half");
  EXPECT_EQ(m.load_latest()->iteration, 5);
  m.remove_stale_temp_files();
  EXPECT_FALSE(fs::exists(dir + "/train_0000006.json.tmp.123.456"));
  EXPECT_TRUE(fs::exists(dir + "/model_0000005.safetensors"));
  write_file_atomic(dir + "/last_checkpoint", "banana\n");
  EXPECT_THROW(m.latest_iteration(), InputError);
}

TEST(RngState, CaptureAndRestoreReproducesRandomNumbers) {
  torch::manual_seed(42);
  (void)torch::rand({3});
  const auto st = capture_rng_states();
  const at::Tensor a = torch::rand({5});
  const at::Tensor d1 = torch::dropout(torch::ones({20}), 0.5, true);
  (void)torch::randn({100});
  restore_rng_states(st);
  EXPECT_TRUE(torch::rand({5}).equal(a));
  EXPECT_TRUE(torch::dropout(torch::ones({20}), 0.5, true).equal(d1));
}

}  // namespace
}  // namespace glip::engine
