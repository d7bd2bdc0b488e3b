// MDETR grounding JSON (read_mdetr).
#include "fuzz_common.h"
#include "glip/data/readers.h"

GLIP_FUZZ_TARGET(mdetr) {
  const std::string path = glip::fuzz::as_file(glip::fuzz::bytes(data, size), "mdetr.json");
  glip::fuzz::expect_input_error_or_success([&] { glip::data::read_mdetr(path, "images"); });
  return 0;
}
