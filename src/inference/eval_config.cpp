#include "glip/inference/eval_config.h"

#include <set>
#include <sstream>

#include "glip/core/error.h"

namespace glip::inference {

void EvalDatasetConfig::visit(config::Visitor& v) {
  v("name", name, "name given to glip_eval --dataset");
  v("protocol", protocol,
    "coco (all categories in one prompt, COCOeval), lvis / lvis_fixed (chunked prompts, LVISEval standard / "
    "Fixed AP), flickr (each sentence with its phrases, Recall@k), odinw (the members' COCO AP and their mean)",
    config::one_of({"coco", "lvis", "lvis_fixed", "flickr", "odinw"}));
  v("annotation", annotation,
    "COCO / LVIS instances JSON, or for flickr the MDETR final_flickr_separateGT_<split>.json (data root relative)");
  v("image_root", image_root, "folder the images' file names are relative to (data root relative)");
  v("flickr_root", flickr_root, "flickr: Flickr30K Entities folder with <split>.txt, Sentences/, Annotations/");
  v("split", split, "flickr: split scored (train, val or test)", config::one_of({"train", "val", "test"}));
  v("merge_boxes", merge_boxes, "flickr: score against each phrase's merged ground-truth box");
  v("chunk_size", chunk_size,
    "categories per prompt: 0 = protocol default (lvis: 40, else test.chunk_size), -1 = all in one; prompts "
    "longer than model.max_query_len are split further automatically",
    config::at_least(-1));
  v("members", members, "odinw: names of coco-protocol datasets in eval.datasets, evaluated in turn");
  v("detections_per_image", detections_per_image,
    "detections kept per image and prompt chunk: 0 = protocol default (lvis: 300 as the official LVIS "
    "evaluation, else model.detections_per_img)",
    config::at_least(0));
  v.list("override_category", override_category,
         "coco / lvis: rename this dataset's categories in its prompts (the official task config's "
         "DATASETS.OVERRIDE_CATEGORY, applied with USE_OVERRIDE_CATEGORY True); replaces data.override_category "
         "for this dataset");
  v.list("caption_prompt", caption_prompt,
         "coco / lvis: per category in ascending id order, prefix + name + suffix in this dataset's prompts (the "
         "official DATASETS.CAPTION_PROMPT, applied with USE_CAPTION_PROMPT True); replaces data.caption_prompt "
         "for this dataset");
}

void EvalConfig::visit(config::Visitor& v) {
  v.list("datasets", datasets, "datasets glip_eval --dataset NAME evaluates a model on");
}

void validate(const EvalConfig& cfg) {
  std::vector<std::string> problems;
  std::set<std::string> names;
  for (size_t i = 0; i < cfg.datasets.size(); ++i) {
    const auto& d = cfg.datasets[i];
    const std::string key = "eval.datasets." + std::to_string(i);
    if (d.name.empty()) problems.push_back(key + ".name is empty");
    else if (!names.insert(d.name).second) problems.push_back(key + ".name '" + d.name + "' is used twice");
    if (d.protocol != "odinw" && d.annotation.empty())
      problems.push_back(key + ".annotation is empty (protocol " + d.protocol + " needs one)");
    if (d.protocol == "flickr" && d.flickr_root.empty())
      problems.push_back(key + ".flickr_root is empty (the Flickr30K Entities folder the scorer reads)");
    if (d.protocol == "odinw" && d.members.empty()) problems.push_back(key + ".members is empty");
    if (d.protocol != "odinw" && !d.members.empty()) problems.push_back(key + ".members is only for protocol odinw");
    if ((d.protocol == "odinw" || d.protocol == "flickr") &&
        (!d.override_category.empty() || !d.caption_prompt.empty()))
      problems.push_back(key + ".override_category / caption_prompt are for coco and lvis datasets (protocol " +
                         d.protocol + ")");
  }
  for (size_t i = 0; i < cfg.datasets.size(); ++i) {
    const auto& d = cfg.datasets[i];
    for (const auto& m : d.members) {
      const EvalDatasetConfig* found = nullptr;
      for (const auto& o : cfg.datasets)
        if (o.name == m) found = &o;
      if (!found) problems.push_back("eval.datasets." + std::to_string(i) + ".members: no dataset named '" + m + "'");
      else if (found->protocol != "coco")
        problems.push_back("eval.datasets." + std::to_string(i) + ".members: '" + m + "' has protocol " +
                           found->protocol + ", expected coco");
    }
  }
  if (problems.empty()) return;
  std::ostringstream os;
  os << "invalid eval config (" << problems.size() << " problem" << (problems.size() > 1 ? "s" : "") << "):";
  for (const auto& p : problems) os << "\n  " << p;
  throw InputError(os.str());
}

const EvalDatasetConfig& find_dataset(const EvalConfig& cfg, const std::string& name) {
  std::string known;
  for (const auto& d : cfg.datasets) {
    if (d.name == name) return d;
    known += (known.empty() ? "" : ", ") + d.name;
  }
  throw InputError("unknown dataset '" + name + "': the config's eval.datasets has " +
                   (known.empty() ? std::string("none") : known));
}

std::string default_dataset(const EvalConfig& cfg) {
  std::set<std::string> members;
  for (const auto& d : cfg.datasets) members.insert(d.members.begin(), d.members.end());
  std::vector<std::string> top;
  for (const auto& d : cfg.datasets)
    if (!members.count(d.name)) top.push_back(d.name);
  if (top.size() == 1) return top[0];
  std::string names;
  for (const auto& n : top) names += (names.empty() ? "" : ", ") + n;
  throw InputError("no --dataset given and the config's eval.datasets has " +
                   (top.empty() ? std::string("no dataset") : str_cat(top.size(), " (", names, ")")) +
                   ": name one with --dataset");
}

int64_t effective_chunk_size(const EvalDatasetConfig& ds, int64_t default_chunk_size) {
  if (ds.chunk_size != 0) return ds.chunk_size;
  if (ds.protocol == "lvis" || ds.protocol == "lvis_fixed") return 40;
  return default_chunk_size == 0 ? -1 : default_chunk_size;
}

int64_t effective_detections_per_image(const EvalDatasetConfig& ds, int64_t model_default) {
  if (ds.detections_per_image != 0) return ds.detections_per_image;
  if (ds.protocol == "lvis" || ds.protocol == "lvis_fixed") return 300;
  return model_default;
}

}  // namespace glip::inference
