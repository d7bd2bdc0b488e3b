// Compares a module's parameter/buffer names, shapes and dtypes with an official key list (keys_*.tsv).
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "common/test_utils.h"
#include "glip/io/state_dict.h"

namespace glip::test {

inline std::string shape_dtype(const at::Tensor& t) {
  std::ostringstream os;
  os << "[";
  for (int64_t i = 0; i < t.dim(); ++i) os << (i ? "," : "") << t.size(i);
  os << "]\t" << (t.scalar_type() == at::kLong ? "I64" : t.scalar_type() == at::kFloat ? "F32" : "other");
  return os.str();
}

/** Official entries of `file` (in parity_dir()) whose key starts with `prefix`, as key -> "[shape]\tdtype". */
inline std::map<std::string, std::string> official_keys(const std::string& file, const std::string& prefix) {
  std::ifstream in(parity_dir() + "/" + file);
  EXPECT_TRUE(in.good()) << file;
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab == std::string::npos || line.compare(0, prefix.size(), prefix) != 0) continue;
    out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

/** Checks that `module` registered under `prefix` has exactly the official keys, shapes and dtypes. */
inline ::testing::AssertionResult matches_official_keys(const torch::nn::Module& module, const std::string& file,
                                                        const std::string& prefix) {
  auto expected = official_keys(file, prefix);
  std::map<std::string, std::string> actual;
  for (const auto& [k, v] : io::state_dict(module, prefix)) actual[k] = shape_dtype(v);
  std::ostringstream err;
  for (const auto& [k, v] : expected) {
    auto it = actual.find(k);
    if (it == actual.end()) err << "\n  missing " << k;
    else if (it->second != v) err << "\n  " << k << ": " << it->second << " vs official " << v;
  }
  for (const auto& [k, v] : actual) {
    if (!expected.count(k)) err << "\n  unexpected " << k;
  }
  if (expected.empty()) err << "\n  no official keys under " << prefix;
  if (err.str().empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << file << " prefix " << prefix << ":" << err.str();
}

}  // namespace glip::test
