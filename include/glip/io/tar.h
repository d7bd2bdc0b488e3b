/**
 * tar archives (POSIX ustar / pax / GNU, regular files): random access to shards on disk without reading them
 * whole (WebDataset shards can be gigabytes), the same listing over bytes in memory, and a deterministic writer.
 * Long and non-ASCII names are read from pax extended headers (`path`, as Python's tarfile PAX_FORMAT, GNU tar
 * --format=posix and webdataset's writers store them) and GNU ././@LongLink records (GNU_FORMAT, tar
 * --format=gnu). Compressed archives (.tar.gz, .tar.bz2, .tar.xz, .tar.zst) are refused by name: members are
 * read in place by offset, which a compressed stream does not allow; decompress the shards first.
 */
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace glip::io {

struct TarMember {
  std::string name;
  uint64_t offset = 0;  ///< byte offset of the data in the archive
  uint64_t size = 0;
};

/** Lists the regular-file members in archive order; InputError naming the file on a corrupt header. */
std::vector<TarMember> list_tar(const std::string& path);

/** Reads one member's bytes. */
std::string read_tar_member(const std::string& path, const TarMember& member);

/** list_tar over archive bytes held in memory; `what` names them in errors. */
std::vector<TarMember> list_tar_bytes(const std::string& bytes, const std::string& what);

/** Every regular file of in-memory archive bytes as (name, data), in archive order. */
std::vector<std::pair<std::string, std::string>> read_tar(const std::string& bytes, const std::string& what);

/**
 * Builds a POSIX ustar archive in memory, enough for WebDataset shards: regular files only, names up to 100
 * bytes, deterministic headers (mtime 0, mode 0644, uid/gid 0), two zero blocks at the end.
 */
class TarBuilder {
 public:
  /** Appends a regular file; throws glip::Error when the name is empty or longer than 100 bytes. */
  void add(const std::string& name, const std::string& data);
  /** The archive bytes (with the end-of-archive blocks). */
  std::string finish() const;
  size_t entries() const { return entries_; }

 private:
  std::string bytes_;
  size_t entries_ = 0;
};

}  // namespace glip::io
