// Line-per-record JSON: ODVG (read_odvg) and glip_pseudolabel's shards (read_pseudo_shards) on the same bytes.
#include "fuzz_common.h"
#include "glip/data/readers.h"

GLIP_FUZZ_TARGET(jsonl) {
  const std::string path = glip::fuzz::as_file(glip::fuzz::bytes(data, size), "records.jsonl");
  glip::fuzz::expect_input_error_or_success([&] { glip::data::read_odvg(path, "images"); });
  glip::fuzz::expect_input_error_or_success([&] { glip::data::read_pseudo_shards({path}); });
  return 0;
}
