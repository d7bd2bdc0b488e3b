#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "glip/config/runtime.h"

int main(int argc, char** argv) {
  // Tests run small problems and ctest runs one per core (-j $(nproc)): one intra-op thread each. Two per test
  // oversubscribe the cores, and OpenMP threads spin-waiting for CPU time made some tests ~10x slower.
  at::set_num_threads(1);
  glip::config::keep_freed_heap();  // as every tool does (apply_runtime)
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
