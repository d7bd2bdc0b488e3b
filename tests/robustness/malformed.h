// The malformed-input suite (ctest label `robustness`, docs/robustness.md): each case mutates a small valid
// input in a fresh temp folder, runs one reader or tool on it and checks that glip refuses it the usual way.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace glip::test {

using DirFn = std::function<void(const std::string& dir)>;

/** One malformed input: `setup(dir)` writes it under `dir`, then `call(dir)` runs glip, which must refuse it. */
struct MalformedCase {
  std::string name;                 ///< unique within its family; letters, digits and '_'
  DirFn setup;                      ///< may be empty
  DirFn call;                       ///< must throw glip::InputError
  std::vector<std::string> expect;  ///< substrings the message must contain ("$DIR" stands for the folder)
};

/** Makes `s` a valid GoogleTest name part. */
std::string case_name(const std::string& s);

/**
 * Runs `c` in a fresh folder: `call` must throw glip::InputError (any other exception, or none, fails) whose
 * message holds every `expect` string, within `seconds` (times $GLIP_TEST_TIME_SCALE when set: sanitizer builds
 * run several times slower, scripts/sanitizer_env.sh sets it), and the folder must hold exactly the files `setup`
 * wrote (no temp file, no half-written output).
 */
void check_refused(const MalformedCase& c, double seconds = 20.0);

/** Names every file under `dir` (relative, sorted). */
std::vector<std::string> list_files(const std::string& dir);

/** Writes `bytes` to `path` (plain write: the test's own setup). */
void put_file(const std::string& path, const std::string& bytes);

/** `depth` nested JSON arrays around 1: [[[1]]]. */
std::string deep_json(size_t depth, char open = '[', char close = ']');

}  // namespace glip::test

/** A parameterised family: TEST_P bodies call check_refused(GetParam()). */
#define GLIP_MALFORMED_FAMILY(Family, generator)                                  \
  class Family : public ::testing::TestWithParam<::glip::test::MalformedCase> {}; \
  TEST_P(Family, IsRefused) { ::glip::test::check_refused(GetParam()); }          \
  INSTANTIATE_TEST_SUITE_P(                                                       \
      Cases, Family, ::testing::ValuesIn(generator()),                            \
      [](const ::testing::TestParamInfo<::glip::test::MalformedCase>& i) { return i.param.name; })
