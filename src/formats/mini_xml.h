/**
 * A small XML reader for annotation files (Flickr30K Entities, Pascal VOC style): elements, text,
 * entities, comments, CDATA, processing instructions. Attributes are parsed and kept. Like
 * xml.etree.ElementTree, an element's `text` is the character data before its first child.
 */
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace glip::formats::xml {

struct Element {
  std::string tag;
  std::string text;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<std::unique_ptr<Element>> children;

  /** Direct children with this tag (ElementTree's findall(tag)). */
  std::vector<const Element*> findall(const std::string& name) const;
};

/** Parses a whole document; throws InputError naming `source`, the line and what was expected. */
std::unique_ptr<Element> parse(const std::string& text, const std::string& source);

}  // namespace glip::formats::xml
