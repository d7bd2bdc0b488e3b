/**
 * A POSIX ustar archive writer and reader, enough for WebDataset shards: regular files only, names up to
 * 100 bytes, deterministic headers (mtime 0, mode 0644, uid/gid 0), two zero blocks at the end.
 */
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace glip::synth {

/** Builds a tar archive in memory. */
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

/** Parses a ustar archive written by TarBuilder (or any tar of regular files); throws InputError naming `what`. */
std::vector<std::pair<std::string, std::string>> read_tar(const std::string& bytes, const std::string& what);

}  // namespace glip::synth
