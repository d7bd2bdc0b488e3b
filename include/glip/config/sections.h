/**
 * The documented config sections: docs/configs.md is generated from this list (tool glip_config_docs; the ctest
 * `config_docs_up_to_date` fails when the file is stale). To document a new section, add one line to
 * src/config/sections.cpp, then run `build/tools/glip_config_docs --write docs/configs.md`.
 */
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "glip/config/config.h"

namespace glip::config {

/** One documented section: a title, the key prefix it lives under ("" = root) and a description. */
struct SectionDoc {
  std::string title, prefix, intro;
  std::function<std::vector<OptionDoc>()> options;  ///< the options of a default-constructed instance
};

/** Helper for the registry: documents struct S (default-constructed) under `prefix`. */
template <typename S>
SectionDoc document(std::string title, std::string prefix, std::string intro) {
  return {std::move(title), std::move(prefix), std::move(intro), [] {
            S s;
            return describe(s);
          }};
}

/** Every documented section, in the order of docs/configs.md. */
const std::vector<SectionDoc>& documented_sections();

/** The full text of docs/configs.md. */
std::string configs_markdown();

}  // namespace glip::config
