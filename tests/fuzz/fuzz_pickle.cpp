// The unpickler alone (io::pickle::load) on a raw pickle program, without the torch.save hooks.
#include "fuzz_common.h"
#include "io/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input = glip::fuzz::bytes(data, size);
  glip::fuzz::expect_input_error_or_success([&] {
    size_t pos = 0;
    glip::io::pickle::load(input, pos, "fuzz.pkl", {}, {});
  });
  return 0;
}
