/**
 * Does a model ground words? The one-phrase probe: every category name alone is the prompt ("star", then
 * "circle", ...), and for every ground-truth object the probe records the best score each name gets on a
 * detection overlapping that object (IoU >= iou_threshold; 0 when none does). A model that reads its prompt
 * scores the object's own name clearly above every other name; a model that ignores the words scores all
 * names alike. The margin of an object is its own name's score minus the best other name's score.
 */
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "glip/data/record.h"
#include "glip/inference/predictor.h"

namespace glip::inference {

struct PhraseProbeOptions {
  double iou_threshold = 0.5;  ///< a detection counts for an object when IoU(detection, object) >= this
  int64_t batch_size = 4;      ///< images per forward
};

struct PhraseProbeObject {
  int64_t image_id = 0;
  int64_t category_id = 0;
  std::array<float, 4> xyxy{};
  std::map<int64_t, double> scores;  ///< category id -> best score of that name alone on this object
  double own() const { return scores.at(category_id); }
  double best_other() const;  ///< highest score among the other names (0 with one category)
  double margin() const { return own() - best_other(); }
};

struct PhraseProbeReport {
  std::map<int64_t, std::string> categories;
  std::vector<PhraseProbeObject> objects;
  double accuracy() const;  ///< objects whose own name scores highest (strictly)
  double min_margin() const;
  double mean_margin() const;
  double fraction_with_margin(double m) const;  ///< objects with margin >= m
  std::string table() const;                    ///< per category: objects, mean own, mean best other, accuracy
  std::string json() const;                     ///< every object's scores and the summary
};

/** Runs the probe over the records of a detection dataset (boxes with category ids, original pixels). */
PhraseProbeReport probe_single_phrases(const Predictor& predictor, const data::RecordSet& set,
                                       const PhraseProbeOptions& options = {});

}  // namespace glip::inference
