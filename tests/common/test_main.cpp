#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "glip/config/runtime.h"

int main(int argc, char** argv) {
  // Tests run small problems and ctest runs one per core (-j $(nproc)): one intra-op thread each. Two per test
  // oversubscribe the cores, and OpenMP threads spin-waiting for CPU time made some tests ~10x slower.
  at::set_num_threads(1);
  glip::config::keep_freed_heap();  // as every tool does (apply_runtime)
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  // Every selected case skipped and none failed (the CUDA suite on a CPU build): exit 77, which ctest reports as
  // skipped (SKIP_RETURN_CODE, cmake/glip_list_suites.cmake). A failure keeps its non-zero code.
  const auto* unit = ::testing::UnitTest::GetInstance();
  if (rc == 0 && unit->successful_test_count() == 0 && unit->skipped_test_count() > 0) return 77;
  return rc;
}
