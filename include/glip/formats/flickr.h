/**
 * Flickr30K Entities file formats: the Sentences/ID.txt phrase markup, the Annotations/ID.xml boxes (as
 * flickr30k_entities_utils reads them) and a grounding results file in MDETR's format.
 */
#pragma once
#include <array>
#include <string>
#include <utility>
#include <vector>

namespace glip::formats {

/** One phrase of a Sentences/ID.txt line: [/EN#<id>/<type>/<type> words ...]. */
struct FlickrPhrase {
  int first_word_index = 0;
  std::string phrase;
  std::string phrase_id;
  std::vector<std::string> phrase_types;
};

struct FlickrSentence {
  std::string sentence;
  std::vector<FlickrPhrase> phrases;
};

/** Parses a sentence file's text (get_sentence_data of flickr30k_entities_utils). */
std::vector<FlickrSentence> parse_flickr_sentences(const std::string& text);

/** The boxes [xmin, ymin, xmax, ymax] per phrase id of an Annotations/ID.xml (get_annotations()["boxes"]),
 *  in the order ids first appear. */
std::vector<std::pair<std::string, std::vector<std::array<double, 4>>>> parse_flickr_boxes(const std::string& xml_text,
                                                                                           const std::string& path);

/** One prediction: for each phrase of the sentence that has boxes, in order, a ranked list of boxes. */
struct FlickrPrediction {
  std::string image_id;     // as Python formats the JSON value
  std::string sentence_id;  // idem
  std::vector<std::vector<std::vector<double>>> boxes;
};

/** Reads a results file [{"image_id", "sentence_id", "boxes": [[[x1, y1, x2, y2], ...] per phrase]}, ...]. */
std::vector<FlickrPrediction> load_flickr_predictions(const std::string& path);

}  // namespace glip::formats
