/**
 * The library's documented config sections: docs/configs.md is generated from this list and, last, the synthetic
 * world's section (synth::world_section(); synth is outside the umbrella library) by the tool glip_config_docs;
 * the ctest `config_docs_up_to_date` fails when the file is stale. To document a new section, add one line to
 * src/app/config_docs.cpp, then run `build/tools/glip_config_docs --write docs/configs.md`.
 */
#pragma once
#include <string>
#include <vector>

#include "glip/config/sections.h"

namespace glip::app {

/** Every documented section of the library, in the order of docs/configs.md. */
const std::vector<config::SectionDoc>& documented_sections();

}  // namespace glip::app
