#include "summary.h"

#include "glip/core/sha256.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

namespace glip::synth {
namespace {

void count_objects(SplitStats& st, const std::vector<SceneObject>& objs, const WorldOptions& o,
                   const SceneRenderer& r) {
  const int64_t n = static_cast<int64_t>(objs.size());
  st.min_boxes = st.images == 0 ? n : std::min(st.min_boxes, n);
  st.max_boxes = std::max(st.max_boxes, n);
  ++st.images;
  for (const auto& obj : objs) {
    ++st.concepts["shape:" + o.shapes[obj.spec.shape]];
    ++st.concepts["colour:" + o.colours[obj.spec.colour]];
    ++st.concepts["texture:" + o.textures[obj.spec.texture]];
    ++st.concepts["size:" + size_words()[obj.spec.size]];
    const int h = r.heldout_index(obj.spec);
    if (h >= 0) ++st.concepts["heldout:" + o.heldout[h]];
    const int q = r.rare_index(obj.spec);
    if (q >= 0) ++st.concepts["rare:" + o.rare[q]];
  }
}

SplitStats detection_stats(const std::string& name, const std::vector<ImageRecord>& recs, const WorldOptions& o,
                           const SceneRenderer& r) {
  SplitStats st;
  st.name = name;
  for (const auto& rec : recs) {
    count_objects(st, rec.objects, o, r);
    st.boxes += static_cast<int64_t>(rec.objects.size());
  }
  return st;
}

}  // namespace

CategoryCounts category_counts(const std::vector<ImageRecord>& gold_det, const std::vector<GroundedRecord>& gold_gr,
                               const WorldOptions& o) {
  const size_t n = o.shapes.size() * o.colours.size();
  CategoryCounts c{std::vector<int64_t>(n, 0), std::vector<int64_t>(n, 0)};
  auto add = [&](const ImageRecord& r) {
    std::set<int> seen;
    for (const auto& obj : r.objects) {
      const int id = lvis_category_id(obj.spec, o);
      ++c.instances[id - 1];
      if (seen.insert(id).second) ++c.images[id - 1];
    }
  };
  for (const auto& r : gold_det) add(r);
  for (const auto& r : gold_gr) add(r.image);
  return c;
}

WorldSummary summarize(const WorldOptions& o, uint64_t seed, const SceneRenderer& renderer,
                       const std::vector<ImageRecord>& gold_det, const std::vector<GroundedRecord>& gold_gr,
                       const std::vector<GroundedRecord>& web, const std::vector<ImageRecord>& coco,
                       const std::vector<FlickrRecord>& flickr, const std::vector<ImageRecord>& lvis,
                       const CategoryCounts& train) {
  WorldSummary s;
  s.seed = seed;
  s.config_hash = glip::fnv1a_hex(canonical_text(o));
  s.heldout = o.heldout;
  s.rare = o.rare;
  s.splits.push_back(detection_stats("gold_det", gold_det, o, renderer));
  for (const char* name : {"gold_grounding", "web"}) {
    const auto& recs = std::string(name) == "web" ? web : gold_gr;
    SplitStats st;
    st.name = name;
    for (const auto& r : recs) {
      count_objects(st, r.image.objects, o, renderer);
      ++st.captions;
      st.phrases += static_cast<int64_t>(r.caption.phrases.size());
      // Web captions have no boxes; the other split boxes every object its caption names.
      if (st.name != "web") st.boxes += static_cast<int64_t>(r.image.objects.size());
    }
    s.splits.push_back(st);
  }
  s.splits.push_back(detection_stats("eval_coco", coco, o, renderer));
  SplitStats fl;
  fl.name = "eval_flickr";
  for (const auto& r : flickr) {
    count_objects(fl, r.image.objects, o, renderer);
    fl.boxes += static_cast<int64_t>(r.image.objects.size());
    fl.captions += static_cast<int64_t>(r.sentences.size());
    for (const auto& c : r.sentences) fl.phrases += static_cast<int64_t>(c.phrases.size());
  }
  s.splits.push_back(fl);
  s.splits.push_back(detection_stats("eval_lvis", lvis, o, renderer));
  for (auto f : {"r", "c", "f"}) s.lvis_frequencies[f] = 0;
  for (int64_t n : train.images) ++s.lvis_frequencies[lvis_frequency(n, o)];
  return s;
}

std::string manifest_json(const WorldSummary& s, const WorldOptions& o) {
  nlohmann::json splits = nlohmann::json::object();
  for (const auto& st : s.splits)
    splits[st.name] = {{"images", st.images},    {"boxes", st.boxes},         {"captions", st.captions},
                       {"phrases", st.phrases},  {"min_boxes", st.min_boxes}, {"max_boxes", st.max_boxes},
                       {"concepts", st.concepts}};
  nlohmann::json j = {{"format_version", 1},
                      {"seed", s.seed},
                      {"config_hash", s.config_hash},
                      {"config", canonical_text(o)},
                      {"image_size", o.image_size},
                      {"heldout_concepts", s.heldout},
                      {"heldout_rule",
                       "objects matching a held-out concept never appear in gold_det or gold_grounding; most web "
                       "images show one and their captions name it; eval splits sample every concept uniformly"},
                      {"rare_concepts", s.rare},
                      {"rare_gold_prob", o.rare_gold_prob},
                      {"splits", splits},
                      {"lvis_frequencies", s.lvis_frequencies},
                      {"files",
                       {{"gold_det", {{"annotations", "gold_det/instances.json"}, {"images", "gold_det/images"}}},
                        {"gold_grounding",
                         {{"mdetr", "gold_grounding/mdetr.json"},
                          {"odvg", "gold_grounding/odvg.jsonl"},
                          {"images", "gold_grounding/images"}}},
                        {"web", s.web_shards},
                        {"web_truth", "web_truth/odvg.jsonl"},
                        {"eval_coco", {{"annotations", "eval/coco/instances.json"}, {"images", "eval/coco/images"}}},
                        {"eval_flickr",
                         {{"root", "eval/flickr"},
                          {"mdetr", "eval/flickr/final_flickr_separateGT_test.json"},
                          {"images", "eval/flickr/images"}}},
                        {"eval_lvis", {{"annotations", "eval/lvis/lvis_v1_val.json"}, {"images", "eval/lvis/images"}}},
                        {"preview", "preview.png"}}}};
  return j.dump(2) + "\n";
}

std::string format_summary(const WorldSummary& s) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "synthetic world: seed %llu, config %s\n", static_cast<unsigned long long>(s.seed),
                s.config_hash.c_str());
  out += line;
  out += "  split            images  boxes  boxes/img (min-max)  captions  phrases\n";
  for (const auto& st : s.splits) {
    std::snprintf(line, sizeof line, "  %-15s %7lld %6lld  %5.2f (%lld-%lld)      %8lld %8lld\n", st.name.c_str(),
                  static_cast<long long>(st.images), static_cast<long long>(st.boxes),
                  st.images ? static_cast<double>(st.boxes) / st.images : 0.0, static_cast<long long>(st.min_boxes),
                  static_cast<long long>(st.max_boxes), static_cast<long long>(st.captions),
                  static_cast<long long>(st.phrases));
    out += line;
  }
  for (const auto& [kind, list] :
       {std::pair<std::string, const std::vector<std::string>*>{"heldout", &s.heldout}, {"rare", &s.rare}}) {
    if (list->empty() && kind == "rare") continue;
    out += std::string("  ") + (kind == "rare" ? "rare" : "held-out") +
           " concepts (objects per split: gold_det gold_grounding web eval_coco eval_flickr eval_lvis):\n";
    for (const auto& h : *list) {
      out += "    " + h + ":";
      for (const auto& st : s.splits) {
        auto it = st.concepts.find(kind + ":" + h);
        out += " " + std::to_string(it == st.concepts.end() ? 0 : it->second);
      }
      out += "\n";
    }
  }
  out += "  concept histogram (objects, all splits):\n";
  std::map<std::string, int64_t> total;
  for (const auto& st : s.splits)
    for (const auto& [k, v] : st.concepts)
      if (k.rfind("heldout:", 0) != 0 && k.rfind("rare:", 0) != 0) total[k] += v;
  std::string kind, row;
  for (const auto& [k, v] : total) {
    const std::string kk = k.substr(0, k.find(':'));
    if (kk != kind) {
      if (!row.empty()) out += row + "\n";
      kind = kk;
      row = "    " + kind + ":";
    }
    row += " " + k.substr(k.find(':') + 1) + "=" + std::to_string(v);
  }
  if (!row.empty()) out += row + "\n";
  std::snprintf(line, sizeof line, "  LVIS categories by training frequency: r=%lld c=%lld f=%lld\n",
                static_cast<long long>(s.lvis_frequencies.count("r") ? s.lvis_frequencies.at("r") : 0),
                static_cast<long long>(s.lvis_frequencies.count("c") ? s.lvis_frequencies.at("c") : 0),
                static_cast<long long>(s.lvis_frequencies.count("f") ? s.lvis_frequencies.at("f") : 0));
  out += line;
  return out;
}

}  // namespace glip::synth
