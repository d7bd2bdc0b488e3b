/**
 * Documented config sections and the Markdown of docs/configs.md. The list of glip's sections is
 * app/config_docs.h (it names option structs of every area; config itself depends on core only).
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

/** The full text of docs/configs.md for these sections (then the official-config table). */
std::string configs_markdown(const std::vector<SectionDoc>& sections);

}  // namespace glip::config
