#include "glip/io/tar.h"

#include <cstring>
#include <fstream>

#include "glip/core/error.h"

namespace glip::io {
namespace {

uint64_t parse_octal(const char* p, size_t n, const std::string& what) {
  // GNU base-256 encoding for large sizes: high bit of the first byte set.
  if (static_cast<unsigned char>(p[0]) & 0x80) {
    uint64_t v = static_cast<unsigned char>(p[0]) & 0x7f;
    for (size_t k = 1; k < n; ++k) v = (v << 8) | static_cast<unsigned char>(p[k]);
    return v;
  }
  uint64_t v = 0;
  size_t k = 0;
  while (k < n && (p[k] == ' ' || p[k] == '\0')) ++k;
  for (; k < n && p[k] >= '0' && p[k] <= '7'; ++k) v = v * 8 + static_cast<uint64_t>(p[k] - '0');
  for (; k < n; ++k)
    GLIP_CHECK_INPUT(p[k] == ' ' || p[k] == '\0', what, ": corrupt tar header (bad octal field)");
  return v;
}

bool checksum_ok(const char* h) {
  uint64_t stored = 0;
  for (size_t k = 148; k < 156; ++k)
    if (h[k] >= '0' && h[k] <= '7') stored = stored * 8 + static_cast<uint64_t>(h[k] - '0');
  uint64_t sum = 0;
  for (size_t k = 0; k < 512; ++k) sum += (k >= 148 && k < 156) ? ' ' : static_cast<unsigned char>(h[k]);
  return sum == stored;
}

std::string field(const char* p, size_t n) { return std::string(p, strnlen(p, n)); }

}  // namespace

std::vector<TarMember> list_tar(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  GLIP_CHECK_INPUT(in.good(), "cannot open tar shard '", path, "'");
  in.seekg(0, std::ios::end);
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  std::vector<TarMember> out;
  uint64_t pos = 0;
  std::string long_name;
  char h[512];
  while (pos + 512 <= file_size) {
    in.seekg(static_cast<std::streamoff>(pos));
    in.read(h, 512);
    GLIP_CHECK_INPUT(in.gcount() == 512, path, ": truncated tar header at byte ", pos);
    bool zero = true;
    for (char c : h) zero = zero && c == 0;
    if (zero) return out;  // end-of-archive block
    GLIP_CHECK_INPUT(checksum_ok(h), path, ": corrupt tar header at byte ", pos, " (checksum mismatch)");
    const uint64_t size = parse_octal(h + 124, 12, path);
    const char type = h[156];
    const uint64_t data = pos + 512;
    GLIP_CHECK_INPUT(data + size <= file_size, path, ": truncated tar member at byte ", pos, " (needs ", size,
                     " bytes)");
    if (type == 'L') {  // GNU long name: the next member's name is the data
      std::string name(size, '\0');
      in.seekg(static_cast<std::streamoff>(data));
      in.read(name.data(), static_cast<std::streamsize>(size));
      long_name = std::string(name.c_str());
    } else if (type == '0' || type == '\0') {
      std::string name = long_name;
      if (name.empty()) {
        std::string prefix = std::memcmp(h + 257, "ustar", 5) == 0 ? field(h + 345, 155) : std::string();
        name = field(h, 100);
        if (!prefix.empty()) name = prefix + "/" + name;
      }
      out.push_back({name, data, size});
      long_name.clear();
    } else {
      long_name.clear();  // directories, links and pax headers carry no member data we use
    }
    pos = data + (size + 511) / 512 * 512;
  }
  // No end-of-archive block: accept a file that ends exactly after a member, reject a cut one.
  GLIP_CHECK_INPUT(pos == file_size, path, ": truncated tar archive (", file_size, " bytes, the last member needs ",
                   pos, ")");
  return out;
}

std::string read_tar_member(const std::string& path, const TarMember& member) {
  std::ifstream in(path, std::ios::binary);
  GLIP_CHECK_INPUT(in.good(), "cannot open tar shard '", path, "'");
  in.seekg(static_cast<std::streamoff>(member.offset));
  std::string data(member.size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(member.size));
  GLIP_CHECK_INPUT(static_cast<uint64_t>(in.gcount()) == member.size, path, ": truncated member '", member.name,
                   "'");
  return data;
}

}  // namespace glip::io
