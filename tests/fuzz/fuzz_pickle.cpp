// The unpickler alone (io::pickle::load) on a raw pickle program, without the torch.save hooks.
#include "fuzz_common.h"
#include "io/pickle.h"

GLIP_FUZZ_TARGET(pickle) {
  const std::string input = glip::fuzz::bytes(data, size);
  glip::fuzz::expect_input_error_or_success([&] {
    size_t pos = 0;
    glip::io::pickle::load(input, pos, "fuzz.pkl", {}, {});
  });
  return 0;
}
