/** SHA-256 (FIPS 180-4) of bytes and files, as lowercase hex: the reproducibility records name inputs by it. */
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace glip {

/** Incremental SHA-256. */
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(const std::string& bytes) { update(bytes.data(), bytes.size()); }
  /** The digest as 64 lowercase hex digits; the object must not be updated afterwards. */
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

/** SHA-256 of `bytes` as hex. */
std::string sha256_hex(const std::string& bytes);

/** SHA-256 of a file's contents as hex, read in blocks; throws InputError naming the path when unreadable. */
std::string sha256_file(const std::string& path);

}  // namespace glip
