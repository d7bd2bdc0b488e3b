#include "glip/core/sha256.h"

#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

#include "glip/core/error.h"

namespace glip {

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  GLIP_CHECK(ctx_ && EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1, "OpenSSL: cannot start SHA-256");
}

void Sha256::update(const void* data, size_t size) {
  GLIP_CHECK(EVP_DigestUpdate(ctx_.get(), data, size) == 1, "OpenSSL: SHA-256 update failed");
}

std::string Sha256::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  GLIP_CHECK(EVP_DigestFinal_ex(ctx_.get(), md, &len) == 1 && len == 32, "OpenSSL: SHA-256 final failed");
  std::string out(2 * len, '0');
  static const char kHex[] = "0123456789abcdef";
  for (unsigned int k = 0; k < len; ++k) {
    out[2 * k] = kHex[md[k] >> 4];
    out[2 * k + 1] = kHex[md[k] & 15];
  }
  return out;
}

std::string sha256_hex(const std::string& bytes) {
  Sha256 s;
  s.update(bytes);
  return s.hex_digest();
}

std::string sha256_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  GLIP_CHECK_INPUT(f.good(), "file '", path, "': cannot be opened for hashing");
  Sha256 s;
  std::vector<char> buf(1 << 20);
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (f.gcount() > 0) s.update(buf.data(), static_cast<size_t>(f.gcount()));
  }
  GLIP_CHECK_INPUT(f.eof(), "file '", path, "': read error while hashing");
  return s.hex_digest();
}

std::string fnv1a_hex(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : text) h = (h ^ ch) * 0x100000001b3ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace glip
