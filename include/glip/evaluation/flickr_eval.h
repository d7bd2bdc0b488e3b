/**
 * Flickr30K Entities phrase grounding recall, as MDETR's Flickr30kEntitiesRecallEvaluator (the evaluator
 * GLIP uses): Recall@1, @5, @10 and "any" (all predictions) at IoU >= 0.5, any-box protocol (a phrase is
 * found when one of its top-k predicted boxes overlaps one of its ground-truth boxes) or, with
 * merge_boxes, against the box enclosing all its ground-truth boxes; overall ("all") and per phrase type.
 */
#pragma once
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "glip/formats/flickr.h"

namespace glip::eval {

/** recall[k][category]; k in order "1", "5", "10", "any"; categories in the reference's order. */
struct FlickrRecall {
  bool merge_boxes = false;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> recall;
};

class FlickrEvaluator {
 public:
  /** Loads ROOT/<split>.txt, ROOT/Annotations/ID.xml and ROOT/Sentences/ID.txt. */
  FlickrEvaluator(const std::string& root, const std::string& split, bool merge_boxes);

  /** Throws InputError for a wrong number of phrases and for missing sentences, as the reference. */
  FlickrRecall evaluate(const std::vector<formats::FlickrPrediction>& predictions) const;

  size_t num_sentences() const { return all_ids_.size(); }

 private:
  struct Image {
    std::map<std::string, std::vector<std::array<double, 4>>> boxes;
    std::vector<std::vector<formats::FlickrPhrase>> sentences;  // phrases with boxes; empty: sentence not evaluated
  };
  bool merge_boxes_;
  std::map<std::string, Image> images_;
  std::vector<std::string> all_ids_;  // "<image>_<sentence>"
};

std::string flickr_metrics_json(const FlickrRecall& r);
std::string flickr_summary_table(const FlickrRecall& r);

}  // namespace glip::eval
