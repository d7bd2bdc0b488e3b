// POSIX ustar: 512-byte header per file (octal fields, checksum), data padded to 512 bytes.
#include "glip/synth/tar.h"

#include <cstdio>
#include <cstring>

#include "glip/core/error.h"

namespace glip::synth {
namespace {

constexpr size_t kBlock = 512;

void put_octal(char* field, size_t width, unsigned long long value) {
  // width-1 octal digits, NUL-terminated, zero-padded.
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), value);
}

unsigned long long parse_octal(const char* field, size_t width) {
  unsigned long long v = 0;
  for (size_t i = 0; i < width && field[i]; ++i) {
    if (field[i] == ' ') continue;
    GLIP_CHECK_INPUT(field[i] >= '0' && field[i] <= '7', "bad octal digit in tar header");
    v = v * 8 + static_cast<unsigned long long>(field[i] - '0');
  }
  return v;
}

unsigned checksum(const char* header) {
  unsigned sum = 0;
  for (size_t i = 0; i < kBlock; ++i)
    sum += (i >= 148 && i < 156) ? static_cast<unsigned>(' ') : static_cast<unsigned char>(header[i]);
  return sum;
}

}  // namespace

void TarBuilder::add(const std::string& name, const std::string& data) {
  GLIP_CHECK(!name.empty() && name.size() <= 100, "tar entry name must have 1..100 bytes, got '", name, "'");
  char h[kBlock];
  std::memset(h, 0, kBlock);
  std::memcpy(h, name.data(), name.size());
  put_octal(h + 100, 8, 0644);              // mode
  put_octal(h + 108, 8, 0);                 // uid
  put_octal(h + 116, 8, 0);                 // gid
  put_octal(h + 124, 12, data.size());      // size
  put_octal(h + 136, 12, 0);                // mtime
  h[156] = '0';                             // regular file
  std::memcpy(h + 257, "ustar", 6);         // magic "ustar\0"
  std::memcpy(h + 263, "00", 2);            // version
  std::snprintf(h + 148, 8, "%06o", checksum(h));
  h[155] = ' ';
  bytes_.append(h, kBlock);
  bytes_ += data;
  bytes_.append((kBlock - data.size() % kBlock) % kBlock, '\0');
  ++entries_;
}

std::string TarBuilder::finish() const { return bytes_ + std::string(2 * kBlock, '\0'); }

std::vector<std::pair<std::string, std::string>> read_tar(const std::string& bytes, const std::string& what) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos + kBlock <= bytes.size()) {
    const char* h = bytes.data() + pos;
    bool zero = true;
    for (size_t i = 0; i < kBlock && zero; ++i) zero = h[i] == 0;
    if (zero) return out;
    unsigned stored = static_cast<unsigned>(parse_octal(h + 148, 8));
    GLIP_CHECK_INPUT(stored == checksum(h), "tar '", what, "': bad header checksum at byte ", pos);
    const size_t size = parse_octal(h + 124, 12);
    std::string name(h, strnlen(h, 100));
    GLIP_CHECK_INPUT(pos + kBlock + size <= bytes.size(), "tar '", what, "': entry '", name, "' is truncated");
    if (h[156] == '0' || h[156] == '\0') out.emplace_back(name, bytes.substr(pos + kBlock, size));
    pos += kBlock + (size + kBlock - 1) / kBlock * kBlock;
  }
  GLIP_CHECK_INPUT(false, "tar '", what, "': missing end-of-archive blocks");
  return out;
}

}  // namespace glip::synth
