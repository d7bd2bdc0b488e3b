#include "glip/core/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "glip/core/error.h"

namespace glip {

std::string read_file(const std::string& path) {
  std::error_code ec;  // a folder opens as a stream and reads as empty: refuse it by name
  GLIP_CHECK_INPUT(!std::filesystem::is_directory(path, ec), "cannot read file '", path,
                   "': it is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  GLIP_CHECK_INPUT(in.good(), "cannot open file '", path, "': ", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  GLIP_CHECK_INPUT(!in.bad(), "error while reading file '", path, "'");
  return ss.str();
}

void write_file_atomic(const std::string& path, const std::string& data) {
  namespace fs = std::filesystem;
  fs::path target(path);
  // Where the user's path cannot hold a file (a folder, a file as a parent, no permission) is an input error.
  std::error_code ec;
  GLIP_CHECK_INPUT(!fs::is_directory(target, ec), "cannot write '", path, "': it is a folder, expected a file path");
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  GLIP_CHECK_INPUT(!ec, "cannot write '", path, "': cannot create its folder '", target.parent_path().string(),
                   "': ", ec.message());
  std::random_device rd;
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  GLIP_CHECK_INPUT(fd >= 0, "cannot write '", path, "': cannot create '", tmp, "': ", std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(str_cat("cannot write '", tmp, "': ", std::strerror(err)));
    }
    off += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(str_cat("cannot finish writing '", path, "': ", std::strerror(err)));
  }
  // Make the rename itself durable.
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace glip
