// Image decoding (io::decode_image: JPEG and PNG through the configured codec).
#include "fuzz_common.h"
#include "glip/io/image.h"

GLIP_FUZZ_TARGET(image) {
  const std::string input = glip::fuzz::bytes(data, size);
  glip::fuzz::expect_input_error_or_success([&] { glip::io::decode_image(input, "fuzz.jpg"); });
  return 0;
}
