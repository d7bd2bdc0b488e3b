/**
 * Loading, overriding, validating, dumping and documenting typed config structs (see glip/config/visitor.h for
 * how a section is declared).
 *
 * YAML files:
 *   _base_: ../_base_/runtime.yaml          # or a list; paths relative to this file; bases may have bases
 *   solver: {base_lr: 0.01}                  # maps merge deeply over the bases; lists and scalars replace
 * Overrides: `--set solver.base_lr=0.02` (repeatable; the value is parsed as YAML, so `[1, 2]` is a list;
 * a numeric component indexes a list: `datasets.0.weight=2`).
 *
 * An official GLIP config (upper-case keys MODEL:, SOLVER:, ...; `_BASE_` chain) is translated into glip keys on
 * the way in (glip/config/official.h).
 *
 * Every problem (unknown key with a close-match suggestion, wrong type, value outside the allowed list or
 * range, missing path, YAML syntax, missing `_base_` file, official key glip cannot map) is collected and thrown as
 * ONE glip::InputError:
 *
 *   invalid config (2 problems):
 *     - a.yaml: unknown key 'solver.base_lrr' (did you mean 'solver.base_lr'?)
 *     - --set: key 'device': expected auto|cpu|cuda|cuda:N, got 'tpu'
 */
#pragma once
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "glip/config/visitor.h"

namespace glip::config {

/** Loads `path` (with its `_base_` chain), applies `overrides` ("a.b=value") and validates into `cfg`. */
void load_file(const VisitFn& cfg, const std::string& path, const std::vector<std::string>& overrides = {});
/** Same from YAML text; `source` names it in errors. An empty text means "defaults + overrides". */
void load_string(const VisitFn& cfg, const std::string& yaml_text, const std::vector<std::string>& overrides = {},
                 const std::string& source = "<string>");
/** Checks the constraints of the current values (e.g. of a config built in code); throws one InputError. */
void validate(const VisitFn& cfg);
/** The config as YAML text (the format load_string reads back to the same values). */
std::string dump(const VisitFn& cfg);

/** One documented option: full dotted key, type, default (as YAML) and doc line. */
struct OptionDoc {
  std::string key, type, default_value, doc;
};
/** Every option reachable from `cfg` with its current value as the default. */
std::vector<OptionDoc> describe(const VisitFn& cfg);

/** True for structs with a `void visit(Visitor&)` method. */
template <typename T, typename = void>
struct is_section : std::false_type {};
template <typename T>
struct is_section<T, std::void_t<decltype(std::declval<T&>().visit(std::declval<Visitor&>()))>> : std::true_type {};

template <typename T, std::enable_if_t<is_section<T>::value, int> = 0>
void load_file(T& cfg, const std::string& path, const std::vector<std::string>& overrides = {}) {
  T loaded = cfg;  // cfg is only changed when everything is valid
  load_file(visit_fn(loaded), path, overrides);
  cfg = std::move(loaded);
}
template <typename T, std::enable_if_t<is_section<T>::value, int> = 0>
void load_string(T& cfg, const std::string& yaml_text, const std::vector<std::string>& overrides = {},
                 const std::string& source = "<string>") {
  T loaded = cfg;
  load_string(visit_fn(loaded), yaml_text, overrides, source);
  cfg = std::move(loaded);
}
template <typename T, std::enable_if_t<is_section<T>::value, int> = 0>
void validate(T& cfg) {
  validate(visit_fn(cfg));
}
template <typename T, std::enable_if_t<is_section<T>::value, int> = 0>
std::string dump(const T& cfg) {
  T copy = cfg;
  return dump(visit_fn(copy));
}
template <typename T, std::enable_if_t<is_section<T>::value, int> = 0>
std::vector<OptionDoc> describe(const T& cfg) {
  T copy = cfg;
  return describe(visit_fn(copy));
}

}  // namespace glip::config
