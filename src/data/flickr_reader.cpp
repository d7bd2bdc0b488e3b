// Flickr30K Entities training reader: one grounding record per (image, sentence) from the raw
// Sentences/ID.txt markup and Annotations/ID.xml boxes (the files the official dataset ships).
#include <filesystem>
#include <map>
#include <sstream>

#include "data/json_util.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/data/boxes.h"
#include "glip/data/readers.h"
#include "glip/formats/flickr.h"

namespace glip::data {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string read_existing(const std::string& path, const std::string& what) {
  GLIP_CHECK_INPUT(std::filesystem::is_regular_file(path), "Flickr30K Entities: ", what, " '", path,
                   "' does not exist");
  return read_file(path);
}

size_t count_markups(const std::string& text) {
  size_t n = 0;
  for (size_t p = text.find("[/EN#"); p != std::string::npos; p = text.find("[/EN#", p + 1)) ++n;
  return n;
}

// Code-point offset of each word of a sentence made of words joined by single spaces, plus the end.
std::vector<int64_t> word_offsets(const std::string& sentence) {
  std::vector<int64_t> offs{0};
  int64_t cp = 0;
  for (size_t i = 0; i < sentence.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(sentence[i]);
    if ((c & 0xC0) == 0x80) continue;
    ++cp;
    if (c == ' ') offs.push_back(cp);
  }
  offs.push_back(cp + 1);  // one past the final word, as if a space followed it
  return offs;
}

int64_t count_words(const std::string& phrase) {
  int64_t n = 0;
  std::istringstream ss(phrase);
  for (std::string w; ss >> w;) ++n;
  return n;
}

}  // namespace

RecordSet read_flickr(const std::string& split_path, const std::string& image_root) {
  const std::filesystem::path dir = std::filesystem::path(split_path).parent_path();
  const std::string images = image_root.empty() ? (dir / "images").string() : image_root;
  std::vector<std::string> ids;
  {
    std::istringstream in(read_existing(split_path, "split file"));
    int64_t line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      const std::string id = trim(line);
      if (id.empty()) continue;
      GLIP_CHECK_INPUT(id.find_first_of(" \t/\\") == std::string::npos, "file '", split_path, "' line ", line_no, ": '",
                       id, "' is not an image id");
      ids.push_back(id);
    }
  }
  GLIP_CHECK_INPUT(!ids.empty(), "Flickr30K Entities split file '", split_path, "' lists no image ids");
  RecordSet set;
  set.name = "flickr_" + std::filesystem::path(split_path).stem().string();
  for (size_t k = 0; k < ids.size(); ++k) {
    const std::string& id = ids[k];
    const std::string sent_path = (dir / "Sentences" / (id + ".txt")).string();
    const std::string ann_path = (dir / "Annotations" / (id + ".xml")).string();
    const std::string sent_text = read_existing(sent_path, "sentence file");
    std::vector<formats::FlickrSentence> sentences;
    try {
      sentences = formats::parse_flickr_sentences(sent_text);
    } catch (const InputError& e) {
      throw InputError(str_cat("file '", sent_path, "': ", e.what()));
    }
    size_t parsed = 0;
    for (const auto& s : sentences) parsed += s.phrases.size();
    GLIP_CHECK_INPUT(parsed == count_markups(sent_text), "file '", sent_path, "': ", count_markups(sent_text),
                     " phrase markups '[/EN#...' but ", parsed, " closed phrases (a ']' is missing)");
    std::map<std::string, std::vector<std::array<double, 4>>> boxes;
    for (auto& [eid, b] : formats::parse_flickr_boxes(read_existing(ann_path, "annotation file"), ann_path)) {
      for (const auto& x : b)
        GLIP_CHECK_INPUT(x[2] > x[0] && x[3] > x[1], "file '", ann_path, "': entity ", eid, " has an empty box [", x[0],
                         ", ", x[1], ", ", x[2], ", ", x[3], "] (expected xmin < xmax, ymin < ymax)");
      boxes[eid] = b;
    }
    for (size_t si = 0; si < sentences.size(); ++si) {
      const auto& s = sentences[si];
      const auto offs = word_offsets(s.sentence);
      Record r;
      r.image_id = id.find_first_not_of("0123456789") == std::string::npos && id.size() < 18 ? std::stoll(id)
                                                                                             : static_cast<int64_t>(k);
      r.image.path = detail::join_root(images, id + ".jpg");
      r.caption = s.sentence;
      r.origin = str_cat(sent_path, ":", si + 1);
      // One box annotation per box of each entity named in the sentence, carrying every span naming it.
      std::map<std::string, std::vector<Span>> spans;
      std::vector<std::string> order;
      for (const auto& p : s.phrases) {
        const int64_t w0 = p.first_word_index, nw = count_words(p.phrase);
        GLIP_CHECK_INPUT(nw > 0 && w0 + nw < static_cast<int64_t>(offs.size()), "file '", sent_path, "' sentence ",
                         si + 1, ": phrase '", p.phrase, "' is empty or runs past the sentence");
        if (!boxes.count(p.phrase_id)) continue;  // scene / notvisual entities have no box
        if (!spans.count(p.phrase_id)) order.push_back(p.phrase_id);
        spans[p.phrase_id].push_back({offs[static_cast<size_t>(w0)], offs[static_cast<size_t>(w0 + nw)] - 1});
      }
      for (const auto& eid : order) {
        for (const auto& x : boxes.at(eid)) {
          BoxAnnotation b;
          // As official GLIP sees it through MDETR's final_flickr_separateGT_*.json: flickr_combined.py writes
          // [xmin, ymin, xmax - xmin, ymax - ymin], read with the official x2 = x + w - 1 (glip/data/boxes.h).
          b.xyxy = coco_xywh_to_xyxy({static_cast<float>(x[0]), static_cast<float>(x[1]),
                                      static_cast<float>(x[2] - x[0]), static_cast<float>(x[3] - x[1])});
          b.spans = spans.at(eid);
          r.boxes.push_back(std::move(b));
        }
      }
      if (!r.boxes.empty()) set.records.push_back(std::move(r));
    }
  }
  return set;
}

}  // namespace glip::data
