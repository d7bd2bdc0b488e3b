// The inputs of open-vocabulary inference on image files (glip_infer, infer_images): a vocabulary from a prompt or a
// category file, and the images with the ids their results carry.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace glip::inference {

/** "red star. blue ring" -> {1: "red star", 2: "blue ring"}; InputError naming --prompt when it has no phrase. */
std::map<int64_t, std::string> parse_prompt_phrases(const std::string& prompt);

/**
 * A category file: a COCO-style JSON ({"categories": [{"id", "name"}, ...]} or that list alone; ids kept) or a
 * text file with one name per line (blank lines and lines starting with '#' skipped; ids 1..n). InputError
 * naming the file when it is missing, empty, malformed or has duplicate ids.
 */
std::map<int64_t, std::string> read_categories_file(const std::string& path);

/** An image to run on and the image_id its results carry. */
struct InferImage {
  int64_t id = 0;
  std::string path;
};

/**
 * The images of --images with their ids:
 *  - a COCO-format JSON file (an object with an "images" list of {"id", "file_name"}): those images, file names
 *    relative to `image_root` (empty: the JSON's folder), their COCO ids, so that results match that ground truth;
 *  - a folder (its files of io::image_extensions(), sorted by name) or a list file (one path a line, relative to
 *    the list's folder; blank and '#' lines skipped): ids 1..n, the 1-based list position.
 * InputError naming the input when it is missing, empty, malformed, has duplicate ids or names a missing image.
 */
std::vector<InferImage> list_images(const std::string& input, const std::string& image_root = "");

/** True when `path` is a .json file (then list_images reads it as a COCO image list). */
bool is_coco_image_list(const std::string& path);

}  // namespace glip::inference
