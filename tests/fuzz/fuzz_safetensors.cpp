// safetensors files (io::parse_safetensors): the header length, the JSON header and the tensor data.
#include "fuzz_common.h"
#include "glip/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input = glip::fuzz::bytes(data, size);
  glip::fuzz::expect_input_error_or_success([&] { glip::io::parse_safetensors(input, "fuzz.safetensors"); });
  return 0;
}
