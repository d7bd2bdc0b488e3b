// Vocabularies (prompt phrases, category files) and image lists (folder, list file, COCO JSON) of infer_images.
#include "glip/inference/infer_inputs.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/io/image.h"

namespace glip::inference {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::map<int64_t, std::string> categories_from_json(const std::string& path, const std::string& text) {
  json doc = parse_json_input(text, "categories file '" + path + "'");
  const json* list = &doc;
  if (doc.is_object() && doc.contains("categories")) list = &doc["categories"];
  GLIP_CHECK_INPUT(list->is_array() && !list->empty(), "categories file '", path,
                   "': expected a non-empty list of {\"id\", \"name\"} (or an object with \"categories\")");
  std::map<int64_t, std::string> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& c = (*list)[i];
    GLIP_CHECK_INPUT(c.is_object() && c.contains("id") && c["id"].is_number_integer() && c.contains("name") &&
                         c["name"].is_string() && !trim(c["name"].get<std::string>()).empty(),
                     "categories file '", path, "': entry ", i,
                     " is not {\"id\": integer, \"name\": non-empty string}");
    GLIP_CHECK_INPUT(out.emplace(c["id"].get<int64_t>(), trim(c["name"].get<std::string>())).second,
                     "categories file '", path, "': duplicate id ", c["id"].get<int64_t>());
  }
  return out;
}

/** The images of a COCO-format JSON: its "images" entries in file order, with their ids. */
std::vector<InferImage> coco_image_list(const std::string& path, const std::string& image_root) {
  const json doc = parse_json_input(read_file(path), "image list '" + path + "'");
  GLIP_CHECK_INPUT(doc.is_object() && doc.contains("images") && doc["images"].is_array() && !doc["images"].empty(),
                   "image list '", path, "': expected a COCO-format JSON object with a non-empty \"images\" list");
  const fs::path root = image_root.empty() ? fs::path(path).parent_path() : fs::path(image_root);
  std::vector<InferImage> out;
  std::set<int64_t> ids;
  for (size_t i = 0; i < doc["images"].size(); ++i) {
    const json& im = doc["images"][i];
    GLIP_CHECK_INPUT(im.is_object() && im.contains("id") && im["id"].is_number_integer() && im.contains("file_name") &&
                         im["file_name"].is_string(),
                     "image list '", path, "': images[", i, "] is not {\"id\": integer, \"file_name\": string}");
    const int64_t id = im["id"].get<int64_t>();
    GLIP_CHECK_INPUT(ids.insert(id).second, "image list '", path, "': duplicate image id ", id);
    const fs::path p = root / im["file_name"].get<std::string>();
    GLIP_CHECK_INPUT(fs::is_regular_file(p), "image list '", path, "': images[", i, "] '", p.string(),
                     "' does not exist (file names are relative to --image-root '", root.string(), "')");
    out.push_back({id, p.string()});
  }
  return out;
}

}  // namespace

std::map<int64_t, std::string> parse_prompt_phrases(const std::string& prompt) {
  std::map<int64_t, std::string> out;
  std::stringstream ss(prompt);
  for (std::string part; std::getline(ss, part, '.');) {
    part = trim(part);
    if (!part.empty()) out.emplace(static_cast<int64_t>(out.size()) + 1, part);
  }
  GLIP_CHECK_INPUT(!out.empty(), "--prompt '", prompt,
                   "': no phrase to detect (expected names separated by '.', e.g. \"red star. blue ring\")");
  return out;
}

std::map<int64_t, std::string> read_categories_file(const std::string& path) {
  GLIP_CHECK_INPUT(fs::is_regular_file(path), "categories file '", path, "' does not exist or is not a file");
  const std::string text = read_file(path);
  if (lower(fs::path(path).extension().string()) == ".json") return categories_from_json(path, text);
  std::map<int64_t, std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) {
    line = trim(line);
    if (!line.empty() && line[0] != '#') out.emplace(static_cast<int64_t>(out.size()) + 1, line);
  }
  GLIP_CHECK_INPUT(!out.empty(), "categories file '", path, "' has no category names (one name a line expected)");
  return out;
}

bool is_coco_image_list(const std::string& path) {
  return fs::is_regular_file(path) && lower(fs::path(path).extension().string()) == ".json";
}

std::vector<InferImage> list_images(const std::string& input, const std::string& image_root) {
  GLIP_CHECK_INPUT(fs::exists(input), "--images '", input, "' does not exist");
  if (is_coco_image_list(input)) return coco_image_list(input, image_root);
  std::vector<std::string> paths;
  if (fs::is_directory(input)) {
    for (const auto& e : fs::directory_iterator(input))
      if (e.is_regular_file() && io::is_image_extension(e.path().extension().string()))
        paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    std::string exts;
    for (const auto& x : io::image_extensions()) exts += (exts.empty() ? "" : "/") + x;
    GLIP_CHECK_INPUT(!paths.empty(), "--images '", input, "': the folder has no image file (", exts, ")");
  } else {
    const fs::path base = fs::path(input).parent_path();
    std::stringstream ss(read_file(input));
    for (std::string line; std::getline(ss, line);) {
      line = trim(line);
      if (line.empty() || line[0] == '#') continue;
      const fs::path p = fs::path(line).is_absolute() ? fs::path(line) : base / line;
      GLIP_CHECK_INPUT(fs::is_regular_file(p), "image list '", input, "': '", p.string(), "' does not exist");
      paths.push_back(p.string());
    }
    GLIP_CHECK_INPUT(!paths.empty(), "image list '", input, "' names no image");
  }
  std::vector<InferImage> out;
  for (size_t i = 0; i < paths.size(); ++i) out.push_back({static_cast<int64_t>(i) + 1, paths[i]});
  return out;
}

}  // namespace glip::inference
