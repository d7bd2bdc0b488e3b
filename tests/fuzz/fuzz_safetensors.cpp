// safetensors files (io::parse_safetensors): the header length, the JSON header and the tensor data.
#include "fuzz_common.h"
#include "glip/io/safetensors.h"

GLIP_FUZZ_TARGET(safetensors) {
  const std::string input = glip::fuzz::bytes(data, size);
  glip::fuzz::expect_input_error_or_success([&] { glip::io::parse_safetensors(input, "fuzz.safetensors"); });
  return 0;
}
