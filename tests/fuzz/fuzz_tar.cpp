// Tar archives: the in-memory walk (io::read_tar) and a WebDataset shard read from a file (read_webdataset,
// which lists members, reads captions and .json members).
#include "fuzz_common.h"
#include "glip/data/readers.h"
#include "glip/io/tar.h"

GLIP_FUZZ_TARGET(tar) {
  const std::string input = glip::fuzz::bytes(data, size);
  glip::fuzz::expect_input_error_or_success([&] { glip::io::read_tar(input, "fuzz.tar"); });
  const std::string path = glip::fuzz::as_file(input, "shard.tar");
  glip::fuzz::expect_input_error_or_success([&] { glip::data::read_webdataset({path}); });
  return 0;
}
