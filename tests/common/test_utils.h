/** Shared test helpers: fixture locations and tensor comparison with atol/rtol. */
#pragma once
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>

namespace glip::test {

/** Folder of the project's test data (tests/data). */
std::string data_dir();

/**
 * Folder of the GLIP parity fixtures: $GLIP_PARITY_FIXTURES when set (held-back seeds are run that way),
 * else tests/data/glip_parity.
 */
std::string parity_dir();

/** A fresh empty temporary folder, unique per call. */
std::string temp_dir(const std::string& tag);

/**
 * Checks |actual - expected| <= atol + rtol * |expected| elementwise (shapes must match). On failure the
 * message names `what`, the worst element, its index and both values.
 */
::testing::AssertionResult all_close(const at::Tensor& actual, const at::Tensor& expected, double rtol, double atol,
                                     const std::string& what = "tensor");

}  // namespace glip::test

#define EXPECT_ALL_CLOSE(actual, expected, rtol, atol) \
  EXPECT_TRUE(::glip::test::all_close((actual), (expected), (rtol), (atol), #actual))
