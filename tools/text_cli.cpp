// glip_text's input and output formats: category name files, prompts with their token positive maps as JSON.
#include "text_cli.h"

#include <sstream>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/text/positive_map.h"
#include "glip/text/unicode.h"

namespace glip::tools {

using nlohmann::json;
namespace gt = glip::text;

json offsets_json(const std::vector<gt::Offset>& offs) {
  json a = json::array();
  for (const auto& [s, e] : offs) a.push_back({s, e});
  return a;
}

std::map<int64_t, std::string> read_category_names(const std::string& path) {
  const std::string data = glip::read_file(path);
  GLIP_CHECK_INPUT(gt::utf8_valid(data), "categories file '", path, "': invalid UTF-8");
  std::map<int64_t, std::string> cats;
  const size_t first = data.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (data[first] == '[' || data[first] == '{')) {
    json j = glip::parse_json_input(data, "categories file '" + path + "'");
    if (j.is_object()) {
      GLIP_CHECK_INPUT(j.contains("categories"), "categories file '", path, "': object without key 'categories'");
      j = j["categories"];
    }
    GLIP_CHECK_INPUT(j.is_array(), "categories file '", path, "': expected a list");
    for (size_t i = 0; i < j.size(); ++i) {
      const json& c = j[i];
      if (c.is_string()) {
        cats[static_cast<int64_t>(i) + 1] = c.get<std::string>();
      } else {
        GLIP_CHECK_INPUT(c.is_object() && c.contains("id") && c["id"].is_number_integer() && c.contains("name") &&
                             c["name"].is_string(),
                         "categories file '", path, "': entry ", i, " needs an integer 'id' and a string 'name'");
        const auto id = c["id"].get<int64_t>();
        GLIP_CHECK_INPUT(!cats.count(id), "categories file '", path, "': duplicate id ", id);
        cats[id] = c["name"].get<std::string>();
      }
    }
  } else {
    std::istringstream in(data);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) cats[static_cast<int64_t>(cats.size()) + 1] = line;
    }
  }
  GLIP_CHECK_INPUT(!cats.empty(), "categories file '", path, "': no categories");
  return cats;
}

json prompt_json(const gt::Prompt& p, const gt::Tokenizer& tok) {
  const gt::Encoding enc = tok.encode(p.text);
  std::vector<std::vector<gt::Offset>> spans;
  for (const auto& s : p.spans) spans.push_back({s});
  const at::Tensor map = gt::create_positive_map(enc, spans, true);
  json rows = json::object();
  for (size_t i = 0; i < p.labels.size(); ++i) {
    json r = json::object();
    const at::Tensor row = map[static_cast<int64_t>(i)];
    for (int64_t t = 0; t < row.size(0); ++t)
      if (row[t].item<float>() > 0) r[std::to_string(t)] = row[t].item<float>();
    rows[std::to_string(p.labels[i])] = r;
  }
  return {{"prompt", p.text},     {"labels", p.labels},       {"spans", offsets_json(p.spans)},
          {"tokens", enc.tokens}, {"num_tokens", enc.size()}, {"positive_map", rows}};
}

}  // namespace glip::tools
