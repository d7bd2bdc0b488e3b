/**
 * The `data.*` config section: which datasets to train on (format, files relative to the data root, mixing
 * weight), the transforms and the loader. Names follow the official GLIP config in lower case where it has
 * one (min_size_train, max_size_train, random_sample_negative, caption_conf, caption_min_box; per dataset
 * disable_shuffle, few_shot, shuffle_seed).
 */
#pragma once
#include <map>
#include <string>
#include <vector>

#include "glip/config/visitor.h"
#include "glip/data/grounding_batch.h"
#include "glip/data/record.h"

namespace glip::data {

struct DatasetConfig {
  std::string name;
  std::string format = "mdetr";
  std::string path;        ///< annotation file / jsonl / tar shard (comma-separated for several shards)
  std::string image_root;  ///< folder the annotation's file names are relative to
  double weight = 1.0;
  /** Caption packing for this set: auto (pseudo-labelled sets, the official CaptionTSV data), on, off. */
  std::string pack_captions = "auto";
  bool disable_shuffle = false;  ///< official DATASETS.DISABLE_SHUFFLE: the evaluation prompt in training
  int64_t few_shot = 0;          ///< official DATASETS.FEW_SHOT: k shots per category (0: every image)
  int64_t shuffle_seed = 0;      ///< official DATASETS.SHUFFLE_SEED: image order of the few-shot walk (0: by id)

  void visit(config::Visitor& v);
};

/** One entry of data.override_category (official DATASETS.OVERRIDE_CATEGORY): renames category `id`. */
struct CategoryOverride {
  int64_t id = 0;
  std::string name;
  std::string supercategory;  ///< kept for the official format; not used in prompts
  void visit(config::Visitor& v);
};

/** One entry of data.caption_prompt (official DATASETS.CAPTION_PROMPT): how one category is written. */
struct CaptionPromptEntry {
  std::string prefix;
  std::string name;
  std::string suffix;
  void visit(config::Visitor& v);
};

struct DataConfig {
  std::vector<DatasetConfig> train;
  std::vector<int64_t> min_size_train{480, 560, 640, 720, 800};
  int64_t max_size_train = 1333;
  std::vector<int64_t> min_size_test{800};
  int64_t max_size_test = 1333;
  double flip_prob = 0.5;
  int64_t size_divisibility = 32;
  int64_t random_sample_negative = 85;
  double caption_conf = 0.5;
  int64_t caption_min_box = 1;
  std::string pseudo_unboxed = "negative";  // "ignore": a phrase left without a box is left out of the token loss
  // Caption packing (official DATASETS.PACK_RANDOM_CAPTION_NUMBER ..., data/caption_packing.h); off by default.
  int64_t pack_random_caption_number = 0;
  double random_pack_prob = -1.0;
  double no_random_pack_probability = 0.0;
  bool safeguard_positive_caption = true;
  int64_t num_workers = 2;
  int64_t prefetch = 4;
  double max_bad_fraction = 0.01;
  std::vector<CategoryOverride> override_category;
  std::vector<CaptionPromptEntry> caption_prompt;

  void visit(config::Visitor& v);
};

/**
 * How each category of a detection dataset is written into its prompts under data.override_category (renames
 * by id) and data.caption_prompt (one entry per category in ascending id order: prefix + name + suffix, the
 * span on the name), as the official DATASETS.OVERRIDE_CATEGORY / CAPTION_PROMPT. Empty when neither is set.
 * InputError naming the key (`key_prefix`.override_category.N, ...) and `what` (the dataset) for an unknown id, a
 * duplicate id, a wrong number of caption_prompt entries or an empty name.
 */
text::ClassPrompts class_prompts(const DataConfig& data, const std::map<int64_t, std::string>& categories,
                                 const std::string& what, const std::string& key_prefix = "data");

/** Applies class_prompts to the categories of a detection set (names, prompt_prefix, prompt_suffix). */
void apply_class_prompts(const DataConfig& data, RecordSet& set, const std::string& what);

/** Resolves a path of the config against the data root (absolute paths and an empty root stay as they are). */
std::string resolve_data_path(const std::string& data_root, const std::string& path);

/**
 * Reads one configured dataset; errors name the dataset and its file. Applies the dataset's few_shot selection
 * (glip/data/few_shot.h) and prompt mode (disable_shuffle); InputError when either is set on a dataset that is not
 * a detection set, or shuffle_seed without few_shot.
 */
RecordSet load_dataset(const DatasetConfig& ds, const DataConfig& data, const std::string& data_root);

/** Batch-builder options from the config (training transforms), with the given seed and query length. */
BatchBuilderOptions batch_options(const DataConfig& data, uint64_t seed, int64_t max_query_len);

}  // namespace glip::data
