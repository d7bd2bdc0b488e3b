/**
 * Official GLIP configs as input. Every tool's `--config` (glip::config::load_file) also reads an official
 * microsoft/GLIP config, a maskrcnn_benchmark yacs YAML such as configs/pretrain/glip_Swin_T_O365_GoldG.yaml: a file
 * whose top-level keys are upper case (MODEL:, SOLVER:, DATASETS:, INPUT:, TEST:, ...). Its `_BASE_` chain is read
 * (a path or a list, relative to the file; bases must be official configs too), the merged config is completed
 * with the official defaults (maskrcnn_benchmark/config/defaults.py) and translated into glip keys by ONE table
 * (src/config/official_table.cpp, documented in docs/configs.md, section "Official GLIP configs"). Every key that
 * has no glip equivalent, or whose value glip cannot reproduce, is listed with its dotted official path in one
 * InputError. A glip config may name an official one as its `_base_` and override glip keys; `--set` takes glip
 * keys.
 */
#pragma once
#include <string>
#include <vector>

namespace glip::config {

/** An official config translated into glip keys. */
struct OfficialTranslation {
  std::string glip_yaml;  ///< the glip config it maps to, as YAML (glip keys, with model.name from the file name)
  /** One line per key glip cannot map: "OFFICIAL.KEY = value: why" (" (file)" when a _BASE_ set it). */
  std::vector<std::string> problems;
};

/** True when `yaml_text`'s top-level keys are upper case: an official GLIP config. */
bool is_official_config(const std::string& yaml_text);

/**
 * Translates official config `path` (with its `_BASE_` chain). Unmappable keys are returned in `problems`, not
 * thrown; a file that cannot be read or is not an official config throws InputError.
 */
OfficialTranslation translate_official_file(const std::string& path);

/** The "Official GLIP configs" section of docs/configs.md: how the loader reads them and the whole table. */
std::string official_configs_markdown();

}  // namespace glip::config
