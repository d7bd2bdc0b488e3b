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
  for (; k < n; ++k) GLIP_CHECK_INPUT(p[k] == ' ' || p[k] == '\0', what, ": corrupt tar header (bad octal field)");
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

/** What a PAX extended header ("LEN key=value\n" records) says about the next member. */
struct PaxRecords {
  std::string path;   ///< "" when it has none
  int64_t size = -1;  ///< -1 when it has none (the ustar field holds sizes up to 8 GiB)
};

PaxRecords parse_pax(const std::string& recs, const std::string& what, uint64_t at) {
  PaxRecords out;
  size_t i = 0;
  while (i < recs.size() && recs[i] != '\0') {
    size_t len = 0, k = i;
    while (k < recs.size() && recs[k] >= '0' && recs[k] <= '9' && len < recs.size()) len = len * 10 + (recs[k++] - '0');
    GLIP_CHECK_INPUT(k < recs.size() && recs[k] == ' ' && len > k - i && len <= recs.size() - i, what,
                     ": corrupt PAX header at byte ", at);
    std::string rec = recs.substr(k + 1, len - (k + 1 - i));  // "key=value\n"
    if (!rec.empty() && rec.back() == '\n') rec.pop_back();
    const size_t eq = rec.find('=');
    if (eq != std::string::npos && rec.compare(0, eq, "path") == 0) out.path = rec.substr(eq + 1);
    if (eq != std::string::npos && rec.compare(0, eq, "size") == 0) {
      const std::string v = rec.substr(eq + 1);
      GLIP_CHECK_INPUT(!v.empty() && v.size() <= 18 && v.find_first_not_of("0123456789") == std::string::npos, what,
                       ": corrupt PAX header at byte ", at, " (size '", v, "')");
      out.size = std::stoll(v);
    }
    i += len;
  }
  return out;
}

/** The compression a stream's first bytes announce, or nullptr for none known. */
const char* compression_of(const char* h) {
  const auto* u = reinterpret_cast<const unsigned char*>(h);
  if (u[0] == 0x1f && u[1] == 0x8b) return "gzip";
  if (std::memcmp(h, "BZh", 3) == 0) return "bzip2";
  if (std::memcmp(h,
                  "\xFD"
                  "7zXZ",
                  6) == 0)
    return "xz";
  if (u[0] == 0x28 && u[1] == 0xB5 && u[2] == 0x2F && u[3] == 0xFD) return "zstd";
  return nullptr;
}

// Walks the headers of an archive of `size` bytes; read(pos, n, dst) copies bytes [pos, pos + n).
std::vector<TarMember> walk(uint64_t size, const std::function<void(uint64_t, size_t, char*)>& read,
                            const std::string& what) {
  std::vector<TarMember> out;
  uint64_t pos = 0;
  std::string long_name;  // from a GNU long-name record or a PAX header, for the next member
  int64_t pax_size = -1;  // from a PAX header, for the next member
  char h[kBlock];
  while (pos + kBlock <= size) {
    read(pos, kBlock, h);
    bool zero = true;
    for (char c : h) zero = zero && c == 0;
    if (zero) return out;  // end-of-archive block
    if (pos == 0 && compression_of(h) != nullptr)
      throw InputError(str_cat(what, ": a ", compression_of(h), "-compressed tar archive; glip reads members in ",
                               "place by offset, so shards must be uncompressed tar files: decompress it first ",
                               "(e.g. gunzip, zstd -d; JPEG/PNG members gain little from compression)"));
    GLIP_CHECK_INPUT(checksum_ok(h), what, ": corrupt tar header at byte ", pos, " (checksum mismatch)");
    const uint64_t n = pax_size >= 0 && (h[156] == '0' || h[156] == '\0') ? static_cast<uint64_t>(pax_size)
                                                                          : parse_octal(h + 124, 12, what);
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
        // POSIX ustar ("ustar\0") splits long names into prefix/name; GNU ("ustar  \0") keeps other fields there.
        std::string prefix = std::memcmp(h + 257, "ustar", 6) == 0 ? field(h + 345, 155) : std::string();
        name = field(h, 100);
        if (!prefix.empty()) name = prefix + "/" + name;
      }
      out.push_back({name, data, n});
      long_name.clear();
      pax_size = -1;
    } else if (type == 'x') {  // PAX extended header (Python's tarfile, GNU tar --format=posix, webdataset)
      std::string recs(n, '\0');
      read(data, n, recs.data());
      const PaxRecords pax = parse_pax(recs, what, pos);
      long_name = pax.path;
      pax_size = pax.size;
    } else {
      long_name.clear();  // directories, links and global headers carry no member data we use
      pax_size = -1;
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
  return walk(
      file_size,
      [&](uint64_t pos, size_t n, char* dst) {
        in.seekg(static_cast<std::streamoff>(pos));
        in.read(dst, static_cast<std::streamsize>(n));
        GLIP_CHECK_INPUT(static_cast<size_t>(in.gcount()) == n, path, ": read error at byte ", pos);
      },
      path);
}

std::string read_tar_member(const std::string& path, const TarMember& member) {
  std::ifstream in(path, std::ios::binary);
  GLIP_CHECK_INPUT(in.good(), "cannot open tar shard '", path, "'");
  in.seekg(static_cast<std::streamoff>(member.offset));
  std::string data(member.size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(member.size));
  GLIP_CHECK_INPUT(static_cast<uint64_t>(in.gcount()) == member.size, path, ": truncated member '", member.name, "'");
  return data;
}

std::vector<TarMember> list_tar_bytes(const std::string& bytes, const std::string& what) {
  return walk(
      bytes.size(), [&](uint64_t pos, size_t n, char* dst) { std::memcpy(dst, bytes.data() + pos, n); }, what);
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
