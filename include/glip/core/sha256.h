/**
 * SHA-256 (FIPS 180-4) of bytes and files, as lowercase hex: the reproducibility records name inputs by it.
 * Computed by OpenSSL's libcrypto (EVP), ~6x faster than a portable C++ loop (docs/benchmarks.md).
 */
#pragma once
#include <cstddef>
#include <memory>
#include <string>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

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
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

/** SHA-256 of `bytes` as hex. */
std::string sha256_hex(const std::string& bytes);

/** SHA-256 of a file's contents as hex, read in blocks; throws InputError naming the path when unreadable. */
std::string sha256_file(const std::string& path);

/** 64-bit FNV-1a hash of `text` as 16 hex digits: the short config hashes of world.json and the pseudo manifest. */
std::string fnv1a_hex(const std::string& text);

}  // namespace glip
