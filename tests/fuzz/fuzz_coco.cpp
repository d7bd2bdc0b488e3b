// COCO and LVIS instances JSON (read_coco_detection, read_lvis) on the same bytes.
#include "fuzz_common.h"
#include "glip/data/readers.h"

GLIP_FUZZ_TARGET(coco) {
  const std::string path = glip::fuzz::as_file(glip::fuzz::bytes(data, size), "instances.json");
  glip::fuzz::expect_input_error_or_success([&] { glip::data::read_coco_detection(path, "images"); });
  glip::fuzz::expect_input_error_or_success([&] { glip::data::read_lvis(path, "images"); });
  return 0;
}
