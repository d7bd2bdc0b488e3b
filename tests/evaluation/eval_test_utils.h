/** Helpers for the evaluation tests: fixture folders and tolerant JSON comparison. */
#pragma once
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace glip::test {

/** $GLIP_EVAL_FIXTURES when set (held-back cases are run that way), else tests/data/eval. */
std::string eval_fixtures_dir();

/** Sub-folders of `dir` holding an expected.json, sorted; empty when `dir` does not exist. */
std::vector<std::string> eval_cases(const std::string& dir);

/**
 * Checks that every value of `expected` is in `actual` (numbers within `tol`, absolute). Nested objects
 * must have exactly the expected keys; the top level may have more.
 */
::testing::AssertionResult json_matches(const nlohmann::json& actual, const nlohmann::json& expected, double tol,
                                        const std::string& where = "", bool top = true);

nlohmann::json read_json(const std::string& path);

}  // namespace glip::test
