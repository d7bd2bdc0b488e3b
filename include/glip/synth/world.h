/**
 * The synthetic grounding world: renders every split into a folder and reports its statistics.
 *
 *   DIR/world.json                              manifest: seed, config hash, counts, held-out concepts
 *   DIR/preview.png                             grid of gold grounding samples with boxes and phrases
 *   DIR/gold_det/{instances.json,images/}       COCO detection, shape categories
 *   DIR/gold_grounding/{mdetr.json,odvg.jsonl,images/}
 *   DIR/web/web-NNNNNN.tar                      WebDataset shards: KEY.jpg, KEY.txt, KEY.json (no boxes)
 *   DIR/eval/coco/{instances.json,images/}
 *   DIR/eval/flickr/{test.txt,Sentences/,Annotations/,images/,final_flickr_separateGT_test.json}
 *   DIR/eval/lvis/{lvis_v1_val.json,images/}
 *
 * The folder is built under a temporary name and renamed into place, so DIR is complete or absent.
 */
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "glip/synth/options.h"

namespace glip::synth {

/** Statistics of one split. */
struct SplitStats {
  std::string name;
  int64_t images = 0, boxes = 0, captions = 0, phrases = 0;
  int64_t min_boxes = 0, max_boxes = 0;  ///< boxes per image
  /** Object counts by concept: "shape:star", "colour:red", "texture:dotted", "heldout:green heart". */
  std::map<std::string, int64_t> concepts;
};

/** What generate_world produced. */
struct WorldSummary {
  uint64_t seed = 0;
  std::string config_hash;
  std::vector<SplitStats> splits;
  std::vector<std::string> heldout;
  std::vector<std::string> rare;                    ///< world.rare
  std::map<std::string, int64_t> lvis_frequencies;  ///< "r"/"c"/"f" -> number of categories
  std::vector<std::string> web_shards;              ///< relative paths
  std::string out_dir, preview_path;
  double seconds = 0;  ///< wall time (not in world.json, which is deterministic)
};

/** Renders the whole world into `out_dir` (replaced atomically). `threads` <= 0: all cores. */
WorldSummary generate_world(const WorldOptions& options, uint64_t seed, const std::string& out_dir, int threads = 0);

/** Human-readable statistics: counts, boxes per image, concept histogram, held-out concepts. */
std::string format_summary(const WorldSummary& s);

}  // namespace glip::synth
