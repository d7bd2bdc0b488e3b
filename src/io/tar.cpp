#include "glip/io/tar.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>

#include "glip/core/error.h"

namespace glip::io {
namespace {

constexpr uint64_t kBlock = 512;

uint64_t parse_octal(const char* p, size_t n, const std::string& what) {
  // GNU base-256 encoding for large sizes: high bit of the first byte set.
  if (static_cast<unsigned char>(p[0]) & 0x80) {
    uint64_t v = static_cast<unsigned char>(p[0]) & 0x7f;
    for (size_t k = 1; k < n; ++k) {
      GLIP_CHECK_INPUT(v >> 56 == 0, what, ": corrupt tar header (base-256 size does not fit 64 bits)");
      v = (v << 8) | static_cast<unsigned char>(p[k]);
    }
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

// The header checksum: the sum of its bytes with the checksum field counted as spaces.
uint64_t header_sum(const char* h) {
  uint64_t sum = 0;
  for (size_t k = 0; k < kBlock; ++k) sum += (k >= 148 && k < 156) ? ' ' : static_cast<unsigned char>(h[k]);
  return sum;
}

bool checksum_ok(const char* h) {
  uint64_t stored = 0;
  for (size_t k = 148; k < 156; ++k)
    if (h[k] >= '0' && h[k] <= '7') stored = stored * 8 + static_cast<uint64_t>(h[k] - '0');
  return header_sum(h) == stored;
}

std::string field(const char* p, size_t n) { return std::string(p, strnlen(p, n)); }

/** Name and PAX headers are read whole: a bound keeps a forged size from allocating without end. */
constexpr uint64_t kMaxHeaderData = uint64_t{1} << 20;

/** The "path" record of a PAX extended header ("LEN path=NAME\n" records), "" when it has none. */
std::string pax_path(const std::string& recs, const std::string& what, uint64_t at) {
  size_t i = 0;
  while (i < recs.size() && recs[i] != '\0') {
    size_t len = 0, k = i;
    while (k < recs.size() && recs[k] >= '0' && recs[k] <= '9' && len < recs.size()) len = len * 10 + (recs[k++] - '0');
    GLIP_CHECK_INPUT(k < recs.size() && recs[k] == ' ' && len > k - i && len <= recs.size() - i, what,
                     ": corrupt PAX header at byte ", at);
    const std::string rec = recs.substr(k + 1, len - (k + 1 - i));  // "key=value\n"
    const size_t eq = rec.find('=');
    if (eq != std::string::npos && rec.compare(0, eq, "path") == 0) {
      std::string v = rec.substr(eq + 1);
      if (!v.empty() && v.back() == '\n') v.pop_back();
      return v;
    }
    i += len;
  }
  return "";
}

// Walks the headers of an archive of `size` bytes; read(pos, n, dst) copies bytes [pos, pos + n).
std::vector<TarMember> walk(uint64_t size, const std::function<void(uint64_t, size_t, char*)>& read,
                            const std::string& what) {
  std::vector<TarMember> out;
  uint64_t pos = 0;
  std::string long_name;
  char h[kBlock];
  while (pos + kBlock <= size) {
    read(pos, kBlock, h);
    bool zero = true;
    for (char c : h) zero = zero && c == 0;
    if (zero) return out;  // end-of-archive block
    GLIP_CHECK_INPUT(checksum_ok(h), what, ": corrupt tar header at byte ", pos, " (checksum mismatch)");
    const uint64_t n = parse_octal(h + 124, 12, what);
    const char type = h[156];
    const uint64_t data = pos + kBlock;
    // data <= size here; compared as n <= size - data so that a size near 2^64 cannot wrap the sum around.
    GLIP_CHECK_INPUT(n <= size - data, what, ": truncated tar member at byte ", pos, " (needs ", n, " bytes, ",
                     size - data, " remain)");
    GLIP_CHECK_INPUT((type != 'L' && type != 'x') || n <= kMaxHeaderData, what, ": tar header at byte ", pos,
                     " carries ", n, " bytes of name data (at most ", kMaxHeaderData, ")");
    if (type == 'L') {  // GNU long name: the next member's name is the data
      std::string name(n, '\0');
      read(data, n, name.data());
      long_name = std::string(name.c_str());
    } else if (type == '0' || type == '\0') {
      std::string name = long_name;
      if (name.empty()) {
        std::string prefix = std::memcmp(h + 257, "ustar", 5) == 0 ? field(h + 345, 155) : std::string();
        name = field(h, 100);
        if (!prefix.empty()) name = prefix + "/" + name;
      }
      out.push_back({name, data, n});
      long_name.clear();
    } else if (type == 'x') {  // PAX extended header (Python's tarfile for names over 100 bytes)
      std::string recs(n, '\0');
      read(data, n, recs.data());
      long_name = pax_path(recs, what, pos);
    } else {
      long_name.clear();  // directories, links and global headers carry no member data we use
    }
    pos = data + (n + kBlock - 1) / kBlock * kBlock;
  }
  // No end-of-archive block: accept an archive that ends exactly after a member, reject a cut one.
  GLIP_CHECK_INPUT(pos == size, what, ": truncated tar archive (", size, " bytes, the last member needs ", pos, ")");
  return out;
}

void put_octal(char* field, size_t width, unsigned long long value) {
  // width-1 octal digits, NUL-terminated, zero-padded.
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), value);
}

}  // namespace

std::vector<TarMember> list_tar(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  GLIP_CHECK_INPUT(in.good(), "cannot open tar shard '", path, "'");
  in.seekg(0, std::ios::end);
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  return walk(file_size, [&](uint64_t pos, size_t n, char* dst) {
    in.seekg(static_cast<std::streamoff>(pos));
    in.read(dst, static_cast<std::streamsize>(n));
    GLIP_CHECK_INPUT(static_cast<size_t>(in.gcount()) == n, path, ": read error at byte ", pos);
  }, path);
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

std::vector<TarMember> list_tar_bytes(const std::string& bytes, const std::string& what) {
  return walk(bytes.size(), [&](uint64_t pos, size_t n, char* dst) { std::memcpy(dst, bytes.data() + pos, n); },
              what);
}

std::vector<std::pair<std::string, std::string>> read_tar(const std::string& bytes, const std::string& what) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : list_tar_bytes(bytes, what)) out.emplace_back(m.name, bytes.substr(m.offset, m.size));
  return out;
}

void TarBuilder::add(const std::string& name, const std::string& data) {
  GLIP_CHECK(!name.empty() && name.size() <= 100, "tar entry name must have 1..100 bytes, got '", name, "'");
  char h[kBlock];
  std::memset(h, 0, kBlock);
  std::memcpy(h, name.data(), name.size());
  put_octal(h + 100, 8, 0644);          // mode
  put_octal(h + 108, 8, 0);             // uid
  put_octal(h + 116, 8, 0);             // gid
  put_octal(h + 124, 12, data.size());  // size
  put_octal(h + 136, 12, 0);            // mtime
  h[156] = '0';                         // regular file
  std::memcpy(h + 257, "ustar", 6);     // magic "ustar\0"
  std::memcpy(h + 263, "00", 2);        // version
  std::snprintf(h + 148, 8, "%06o", static_cast<unsigned>(header_sum(h)));
  h[155] = ' ';
  bytes_.append(h, kBlock);
  bytes_ += data;
  bytes_.append((kBlock - data.size() % kBlock) % kBlock, '\0');
  ++entries_;
}

std::string TarBuilder::finish() const { return bytes_ + std::string(2 * kBlock, '\0'); }

}  // namespace glip::io
