// Flickr30K Entities files: an Annotations/ID.xml (the XML reader and the box parser) and, on the same bytes,
// a Sentences/ID.txt (the phrase markup parser).
#include "fuzz_common.h"
#include "glip/formats/flickr.h"

GLIP_FUZZ_TARGET(flickr_xml) {
  const std::string input = glip::fuzz::bytes(data, size);
  glip::fuzz::expect_input_error_or_success([&] { glip::formats::parse_flickr_boxes(input, "fuzz.xml"); });
  glip::fuzz::expect_input_error_or_success([&] { glip::formats::parse_flickr_sentences(input); });
  return 0;
}
