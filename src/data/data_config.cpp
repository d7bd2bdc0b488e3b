#include "glip/data/data_config.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "glip/core/error.h"
#include "glip/data/few_shot.h"
#include "glip/data/readers.h"
#include "glip/formats/detection_json.h"

namespace glip::data {

void DatasetConfig::visit(config::Visitor& v) {
  v("name", name, "dataset name, used in logs and statistics");
  v("format", format, "annotation format",
    config::one_of({"coco", "lvis", "mdetr", "odvg", "flickr", "pseudo", "webdataset"}));
  v("path", path,
    "annotation file (or comma-separated shards; '*' in a file name matches shards), relative to "
    "the data root");
  v("image_root", image_root, "folder the image file names are relative to (relative to the data root)");
  v("weight", weight, "mixing weight: copies of this dataset per epoch (official dataset repeats)",
    config::range(0, 1000));
  v("pack_captions", pack_captions,
    "training: pack each caption with other captions of this set as negatives (data.pack_random_caption_number): "
    "auto = pseudo-labelled sets only (the official CaptionTSV data), on (any grounding set), off",
    config::one_of({"auto", "on", "off"}));
  v("disable_shuffle", disable_shuffle,
    "detection datasets: every training prompt is the evaluation prompt, every category in ascending id order "
    "with no sampled negatives (official DATASETS.DISABLE_SHUFFLE of COCO / ODinW fine-tuning; false: the "
    "Objects365-style prompt, shuffled with data.random_sample_negative negatives)");
  v("few_shot", few_shot,
    "detection datasets: train on the images the official DATASETS.FEW_SHOT rule keeps for this many shots per "
    "category (0: every image; docs/training.md)",
    config::at_least(0));
  v("shuffle_seed", shuffle_seed,
    "few_shot: Python random.Random(seed).shuffle of the image order the selection walks (official "
    "DATASETS.SHUFFLE_SEED; 0: ascending image id)",
    config::at_least(0));
}

void CategoryOverride::visit(config::Visitor& v) {
  v("id", id, "category id of the dataset to rename");
  v("name", name, "its new name (used in prompts)");
  v("supercategory", supercategory, "official field, kept but unused");
}

void CaptionPromptEntry::visit(config::Visitor& v) {
  v("prefix", prefix, "text before the name (e.g. \" \")");
  v("name", name, "the name; the class's span in the prompt covers it");
  v("suffix", suffix, "text after the name (e.g. \" of a person\")");
}

void DataConfig::visit(config::Visitor& v) {
  v.list("train", train, "training datasets, mixed by weight");
  v("min_size_train", min_size_train, "short side choices for multi-scale training", config::range(1, 8192));
  v("max_size_train", max_size_train, "long side limit in training (0 = none)", config::range(0, 16384));
  v("min_size_test", min_size_test, "short side at evaluation", config::range(1, 8192));
  v("max_size_test", max_size_test, "long side limit at evaluation (0 = none)", config::range(0, 16384));
  v("flip_prob", flip_prob, "horizontal flip probability in training (swaps left/right in captions)",
    config::range(0, 1));
  v("size_divisibility", size_divisibility, "images are zero-padded to a multiple of this", config::range(1, 1024));
  v("random_sample_negative", random_sample_negative,
    "detection datasets: negative classes sampled into each training prompt", config::at_least(0));
  v("caption_conf", caption_conf, "pseudo labels: minimum teacher score of a box", config::range(0, 1));
  v("caption_min_box", caption_min_box, "pseudo labels: minimum boxes left for a caption to be used",
    config::at_least(0));
  v("pseudo_unboxed", pseudo_unboxed,
    "pseudo labels: a caption phrase left without a box (none from the teacher, or all under caption_conf). "
    "negative (official): its words stay negatives for every anchor, its own object's included; ignore: its tokens "
    "are left out of the token loss",
    config::one_of({"negative", "ignore"}));
  v("pack_random_caption_number", pack_random_caption_number,
    "caption packing (official DATASETS.PACK_RANDOM_CAPTION_NUMBER; GLIP-L 20): up to this many captions of other "
    "samples packed as negatives with each caption of the packed sets (data.train.N.pack_captions); 0: off",
    config::range(0, 1000));
  v("random_pack_prob", random_pack_prob,
    "official DATASETS.RANDOM_PACK_PROB (GLIP-L 0.5): > 0: the full number with this probability, otherwise "
    "uniform in [0, number); <= 0 (official -1): always the full number",
    config::range(-1, 1));
  v("no_random_pack_probability", no_random_pack_probability,
    "official DATASETS.NO_RANDOM_PACK_PROBABILITY (GLIP-L 0.4): with random_pack_prob > 0, no packing with this "
    "probability",
    config::range(0, 1));
  v("safeguard_positive_caption", safeguard_positive_caption,
    "official DATASETS.SAFEGUARD_POSITIVE_CAPTION: keep a negative only while the packed caption stays within "
    "model.max_query_len tokens, so the positive caption is never truncated");
  v("num_workers", num_workers, "loader threads", config::range(1, 256));
  v("prefetch", prefetch, "batches prepared ahead of the trainer", config::range(1, 1024));
  v("max_bad_fraction", max_bad_fraction,
    "stop when more than this share of samples is bad (corrupt image, "
    "missing file; a box left empty by clipping is dropped and counted, its sample trains)",
    config::range(0, 1));
  v.list("override_category", override_category,
         "rename categories of the detection datasets (official DATASETS.OVERRIDE_CATEGORY; training and "
         "evaluation prompts; docs/formats.md)");
  v.list("caption_prompt", caption_prompt,
         "per category in ascending id order: prefix + name + suffix in the training and evaluation prompts "
         "(official DATASETS.CAPTION_PROMPT; one entry per category; docs/formats.md)");
}

std::string resolve_data_path(const std::string& data_root, const std::string& path) {
  if (path.empty() || data_root.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(data_root) / path).string();
}

namespace {

// The files matching a pattern whose file name has '*' / '?' (sorted), or the path itself.
std::vector<std::string> expand_pattern(const std::string& path, const DatasetConfig& ds, const std::string& root) {
  const std::filesystem::path p(path);
  const std::string name = p.filename().string();
  if (name.find_first_of("*?[") == std::string::npos) return {path};
  const std::filesystem::path dir = p.parent_path().empty() ? "." : p.parent_path();
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (fnmatch(name.c_str(), e.path().filename().c_str(), 0) == 0) out.push_back(e.path().string());
  GLIP_CHECK_INPUT(!out.empty(), "dataset '", ds.name, "': no file matches '", path,
                   "' (paths are relative to --data-root / GLIP_DATA_ROOT '", root, "')");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

namespace {
RecordSet load_dataset_unchecked(const DatasetConfig& ds, const DataConfig& data, const std::string& data_root) {
  std::vector<std::string> paths;
  std::stringstream ss(ds.path);
  for (std::string p; std::getline(ss, p, ',');) {
    if (p.empty()) continue;
    for (auto& f : expand_pattern(resolve_data_path(data_root, p), ds, data_root)) paths.push_back(std::move(f));
  }
  GLIP_CHECK_INPUT(!paths.empty(), "dataset '", ds.name, "': 'path' is empty");
  for (const auto& p : paths)
    GLIP_CHECK_INPUT(std::filesystem::exists(p), "dataset '", ds.name, "': file '", p,
                     "' does not exist (paths are relative to --data-root / GLIP_DATA_ROOT '", data_root, "')");
  GLIP_CHECK_INPUT(ds.shuffle_seed == 0 || ds.few_shot > 0, "dataset '", ds.name, "': shuffle_seed ", ds.shuffle_seed,
                   " without few_shot (it only orders the images the few-shot selection walks, "
                   "as the official DATASETS.SHUFFLE_SEED)");
  const std::string root = resolve_data_path(data_root, ds.image_root);
  RecordSet set;
  std::vector<FewShotImage> few_shot_view;  // coco / lvis: with the crowd annotations the records leave out
  if (ds.format == "coco" || ds.format == "lvis") {
    const formats::GroundTruth gt = formats::load_ground_truth(paths.at(0));
    set = read_instances(gt, root, ds.format == "lvis");
    if (ds.few_shot > 0) few_shot_view = few_shot_images(gt);
  } else if (ds.format == "mdetr") set = read_mdetr(paths.at(0), root);
  else if (ds.format == "odvg") set = read_odvg(paths.at(0), root);
  else if (ds.format == "flickr") set = read_flickr(paths.at(0), root);
  else if (ds.format == "pseudo")
    set = read_pseudo_shards(paths,
                             PseudoFilter{static_cast<float>(data.caption_conf), static_cast<int>(data.caption_min_box),
                                          data.pseudo_unboxed == "ignore"});
  else if (ds.format == "webdataset") set = read_webdataset(paths);
  else throw InputError(str_cat("dataset '", ds.name, "': unknown format '", ds.format, "'"));
  if (!ds.name.empty()) set.name = ds.name;
  const std::string what = str_cat("dataset '", ds.name, "' (file '", paths.at(0), "')");
  for (const auto& [key, on] :
       {std::pair<const char*, bool>{"disable_shuffle", ds.disable_shuffle}, {"few_shot", ds.few_shot != 0}})
    GLIP_CHECK_INPUT(!on || set.is_detection, what, ": ", key,
                     " applies to detection datasets (coco, lvis, ODVG "
                     "detection), not to the captions of format '",
                     ds.format, "'");
  GLIP_CHECK_INPUT(!(set.is_detection && ds.pack_captions == "on"), "dataset '", ds.name,
                   "': pack_captions is on, but it is a detection dataset (its prompts are built from class names); "
                   "caption packing is for grounding captions");
  set.pack_captions =
      !set.is_detection && (ds.pack_captions == "on" || (ds.pack_captions == "auto" && ds.format == "pseudo"));
  if (ds.few_shot != 0)
    apply_few_shot(set, few_shot_view.empty() ? few_shot_images(set) : few_shot_view, ds.few_shot,
                   static_cast<uint64_t>(ds.shuffle_seed), what);
  set.disable_shuffle = ds.disable_shuffle;
  if (set.is_detection) apply_class_prompts(data, set, what);
  return set;
}
}  // namespace

RecordSet load_dataset(const DatasetConfig& ds, const DataConfig& data, const std::string& data_root) {
  // The readers name file, line and key for every problem they check; these two catch what they do not.
  try {
    return load_dataset_unchecked(ds, data, data_root);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(str_cat("dataset '", ds.name, "' (path '", ds.path, "'): unexpected JSON value: ", e.what()));
  } catch (const std::filesystem::filesystem_error& e) {
    throw InputError(str_cat("dataset '", ds.name, "' (path '", ds.path, "'): ", e.what()));
  }
}

text::ClassPrompts class_prompts(const DataConfig& data, const std::map<int64_t, std::string>& categories,
                                 const std::string& what, const std::string& key_prefix) {
  text::ClassPrompts out;
  if (data.override_category.empty() && data.caption_prompt.empty()) return out;
  for (const auto& [id, name] : categories) out[id] = {"", name, ""};
  std::map<int64_t, size_t> seen;
  for (size_t i = 0; i < data.override_category.size(); ++i) {
    const auto& o = data.override_category[i];
    const std::string key = str_cat(key_prefix, ".override_category.", i);
    GLIP_CHECK_INPUT(categories.count(o.id), "config key '", key, "': category id ", o.id, " is not a category of ",
                     what, " (its ids are ", categories.empty() ? 0 : categories.begin()->first, "..",
                     categories.empty() ? 0 : categories.rbegin()->first, ", ", categories.size(), " categories)");
    GLIP_CHECK_INPUT(!seen.count(o.id), "config key '", key, "': category id ", o.id, " is overridden twice (also by ",
                     key_prefix, ".override_category.", seen[o.id], ")");
    GLIP_CHECK_INPUT(!text::clean_name(o.name).empty(), "config key '", key, ".name': empty name for category id ",
                     o.id);
    seen[o.id] = i;
    out[o.id].name = o.name;
  }
  if (!data.caption_prompt.empty()) {
    GLIP_CHECK_INPUT(data.caption_prompt.size() == categories.size(), "config key '", key_prefix,
                     ".caption_prompt': ", data.caption_prompt.size(), " entries but ", what, " has ",
                     categories.size(),
                     " categories (one {prefix, name, suffix} entry per category, in ascending id order)");
    size_t i = 0;
    for (auto& [id, part] : out) {
      const auto& e = data.caption_prompt[i];
      GLIP_CHECK_INPUT(!text::clean_name(e.name).empty(), "config key '", key_prefix, ".caption_prompt.", i,
                       ".name': empty name for category id ", id, " ('", part.name, "')");
      part = {e.prefix, e.name, e.suffix};
      ++i;
    }
  }
  return out;
}

void apply_class_prompts(const DataConfig& data, RecordSet& set, const std::string& what) {
  std::map<int64_t, std::string> cats;
  for (const auto& c : set.categories) cats[c.id] = c.name;
  const text::ClassPrompts parts = class_prompts(data, cats, what);
  if (parts.empty()) return;
  for (auto& c : set.categories) {
    const auto& p = parts.at(c.id);
    c.name = p.name;
    if (!p.prefix.empty() || !p.suffix.empty()) set.prompt_affixes[c.id] = {p.prefix, p.suffix};
  }
}

BatchBuilderOptions batch_options(const DataConfig& data, uint64_t seed, int64_t max_query_len) {
  BatchBuilderOptions o;
  o.transforms.min_size = data.min_size_train;
  o.transforms.max_size = data.max_size_train;
  o.transforms.flip_prob = data.flip_prob;
  o.prompt.random_sample_negative = data.random_sample_negative;
  o.prompt.max_seq_length = max_query_len - 2;
  o.max_query_len = max_query_len;
  o.size_divisibility = data.size_divisibility;
  o.seed = seed;
  o.max_bad_fraction = data.max_bad_fraction;
  o.packing.pack_random_caption_number = data.pack_random_caption_number;
  o.packing.random_pack_prob = data.random_pack_prob;
  o.packing.no_random_pack_probability = data.no_random_pack_probability;
  o.packing.safeguard_positive_caption = data.safeguard_positive_caption;
  o.packing.max_query_len = max_query_len;
  return o;
}

}  // namespace glip::data
