// A pseudo-labelling process for the kill/restart test: run_pseudo_labelling with the teacher double, slowed
// down by DELAY_MS per teacher call so that the test can kill it mid-shard. Rank from RANK/WORLD_SIZE or SLURM.
//   pseudo_worker OUT_DIR DELAY_MS SHARD...
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "glip/engine/distributed.h"
#include "glip/pseudo/labeler.h"
#include "pseudo/pseudo_test_util.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: pseudo_worker OUT_DIR DELAY_MS SHARD...\n");
    return 64;
  }
  try {
    const int delay_ms = std::stoi(argv[2]);
    glip::pseudo::LabelRunOptions o;
    o.out_dir = argv[1];
    for (int i = 3; i < argc; ++i) o.inputs.push_back(argv[i]);
    o.teacher_path = "double";
    o.teacher_sha256 = "0123";
    o.config_hash = "cafe";
    o.cfg.batch_size = 3;
    const auto env = glip::engine::dist_env_from_environment();
    o.rank = env.rank;
    o.world_size = env.world_size;
    auto teacher = [delay_ms](const std::vector<at::Tensor>& im, const std::vector<glip::text::Prompt>& q) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      return glip::pseudo::test::double_teacher(im, q);
    };
    auto r = glip::pseudo::run_pseudo_labelling(o, teacher, glip::pseudo::test::extractor());
    std::printf("labelled %d resumed %d failed %d complete %d\n", r.labelled, r.resumed, r.failed, r.complete ? 1 : 0);
    return r.failed ? 2 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pseudo_worker: %s\n", e.what());
    return 1;
  }
}
