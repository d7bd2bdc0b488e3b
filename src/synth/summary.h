// Statistics and the world.json manifest (internal to glip_synth).
#pragma once
#include <string>
#include <vector>

#include "glip/synth/world.h"
#include "glip/synth/writers.h"

namespace glip::synth {

/** Training image and instance counts per colour-shape category over the gold splits. */
CategoryCounts category_counts(const std::vector<ImageRecord>& gold_det, const std::vector<GroundedRecord>& gold_gr,
                               const WorldOptions& o);

WorldSummary summarize(const WorldOptions& o, uint64_t seed, const SceneRenderer& renderer,
                       const std::vector<ImageRecord>& gold_det, const std::vector<GroundedRecord>& gold_gr,
                       const std::vector<GroundedRecord>& web, const std::vector<ImageRecord>& coco,
                       const std::vector<FlickrRecord>& flickr, const std::vector<ImageRecord>& lvis,
                       const CategoryCounts& train);

/** world.json: seed, config hash and text, counts per split, held-out concepts, paths. Deterministic. */
std::string manifest_json(const WorldSummary& s, const WorldOptions& o);

}  // namespace glip::synth
