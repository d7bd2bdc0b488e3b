/**
 * Random access to tar archives (POSIX ustar / GNU, regular files) without reading them whole: WebDataset
 * shards can be gigabytes. Members are listed from their headers; data is read with one seek per member.
 */
#pragma once
#include <cstdint>
#include <string>
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

}  // namespace glip::io
