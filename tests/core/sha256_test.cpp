#include "glip/core/sha256.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/test_utils.h"
#include "glip/core/error.h"

namespace glip {

// FIPS 180-4 / NIST example vectors.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalUpdatesMatchOneShotAtEveryBlockBoundary) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  for (size_t len : {0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 300}) {
    const std::string part = data.substr(0, len);
    for (size_t step : {1, 3, 64, 100}) {
      Sha256 s;
      for (size_t i = 0; i < part.size(); i += step) s.update(part.substr(i, step));
      EXPECT_EQ(s.hex_digest(), sha256_hex(part)) << "len " << len << " step " << step;
    }
  }
}

TEST(Sha256, FileHashAndMissingFile) {
  const std::string path = test::temp_dir("sha256") + "/f.bin";
  std::ofstream(path, std::ios::binary) << "abc";
  EXPECT_EQ(sha256_file(path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  try {
    sha256_file(path + ".missing");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("f.bin.missing"), std::string::npos) << e.what();
  }
}

}  // namespace glip
