/** Small file helpers: whole-file reads and atomic writes (temp file, fsync, rename). */
#pragma once
#include <string>

namespace glip {

/** Reads a whole file as bytes; throws InputError naming the path when it cannot be read. */
std::string read_file(const std::string& path);

/**
 * Writes `data` to `path` atomically: a temp file in the same folder is written, fsynced and renamed
 * over `path`. A crash leaves either the old file or the new one, never a half-written file.
 */
void write_file_atomic(const std::string& path, const std::string& data);

}  // namespace glip
