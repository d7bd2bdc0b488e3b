// The YAML config loader (config::load_string into a GlipConfig): syntax, limits, _base_ (relative to the
// working folder), types, constraints and unknown keys.
#include "fuzz_common.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"

GLIP_FUZZ_TARGET(yaml_config) {
  const std::string input = glip::fuzz::bytes(data, size);
  glip::fuzz::expect_input_error_or_success([&] {
    glip::app::GlipConfig cfg;
    glip::config::load_string(cfg, input, {}, "fuzz.yaml");
  });
  return 0;
}
