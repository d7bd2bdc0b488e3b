// glip_text: tokenizer, noun phrases and category prompts on the command line (JSON lines in and out).
//   glip_text tokenize [--vocab FILE | --spm FILE] [--max-len N]   {"text"} -> {"text","ids","tokens","offsets"}
//   glip_text phrases                                              {"text"} -> {"text","phrases":[[s,e],...]}
//   glip_text prompt --categories FILE [--chunk N] [--demo]        prompts, spans and token positive maps
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include "cli_common.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/text/noun_phrases.h"
#include "glip/text/positive_map.h"
#include "glip/text/prompt.h"
#include "glip/text/unicode.h"

using nlohmann::json;
namespace gt = glip::text;

namespace {

// Calls fn(text) for each JSON line {"text": ...} of stdin; errors name the line.
template <typename F>
void for_each_text_line(F&& fn) {
  std::string line;
  int64_t n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    GLIP_CHECK_INPUT(gt::utf8_valid(line), "stdin line ", n, ": invalid UTF-8");
    const json j = glip::parse_json_input(line, glip::str_cat("stdin line ", n));
    GLIP_CHECK_INPUT(j.is_object() && j.contains("text") && j["text"].is_string(), "stdin line ", n,
                     ": expected an object with a string \"text\"");
    const std::string text = j["text"].get<std::string>();
    try {
      fn(text);
    } catch (const glip::InputError& e) {
      throw glip::InputError(glip::str_cat("stdin line ", n, ": ", e.what()));
    }
  }
}

json offsets_json(const std::vector<gt::Offset>& offs) {
  json a = json::array();
  for (const auto& [s, e] : offs) a.push_back({s, e});
  return a;
}

int cmd_tokenize(const std::string& vocab, const std::string& spm, int64_t max_len) {
  gt::TokenizerConfig cfg;
  if (!spm.empty()) cfg.type = "sentencepiece", cfg.spm_model = spm;
  cfg.vocab_file = vocab;
  const auto tok = gt::make_tokenizer(cfg);
  for_each_text_line([&](const std::string& text) {
    gt::Encoding e = tok->encode(text);
    if (max_len > 0) e = gt::truncate_and_pad(e, max_len, true, tok->pad_id(), tok->pad_token());
    json out = {{"text", text}, {"ids", e.ids}, {"tokens", e.tokens}, {"offsets", offsets_json(e.offsets)}};
    std::cout << out.dump() << "\n";
  });
  return glip::cli::kOk;
}

int cmd_phrases() {
  const gt::NounPhraseExtractor np;
  for_each_text_line([&](const std::string& text) {
    std::cout << json{{"text", text}, {"phrases", offsets_json(np.extract(text))}}.dump() << "\n";
  });
  return glip::cli::kOk;
}

// Categories: JSON (list of names, list of {"id","name"}, or {"categories": [...]}) or text (a name a line).
std::map<int64_t, std::string> read_categories(const std::string& path) {
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
  return {{"prompt", p.text},          {"labels", p.labels}, {"spans", offsets_json(p.spans)},
          {"tokens", enc.tokens},      {"num_tokens", enc.size()},
          {"positive_map", rows}};
}

int cmd_prompt(const std::string& categories, int64_t chunk, bool demo) {
  const auto cats = read_categories(categories);
  const auto tok = gt::make_tokenizer();
  if (demo) {
    std::vector<std::string> names;
    for (const auto& kv : cats) names.push_back(kv.second);
    std::cout << prompt_json(gt::build_demo_prompt(names), *tok).dump() << "\n";
    return glip::cli::kOk;
  }
  for (const auto& q : gt::create_queries_and_maps(cats, *tok, chunk))
    std::cout << prompt_json(q.prompt, *tok).dump() << "\n";
  return glip::cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"glip text tools: tokenize, noun phrases, category prompts (JSON lines on stdin/stdout)"};
    app.require_subcommand(1);
    std::string vocab, spm, categories;
    int64_t max_len = 0, chunk = -1;
    bool demo = false;
    auto* tok = app.add_subcommand("tokenize", "tokenize {\"text\"} lines");
    auto* v = tok->add_option("--vocab", vocab, "WordPiece vocabulary (default: embedded bert-base-uncased)");
    tok->add_option("--spm", spm, "SentencePiece .model file")->excludes(v);
    tok->add_option("--max-len", max_len, "truncate and pad to N tokens")->check(CLI::Range(2, 1 << 20));
    auto* ph = app.add_subcommand("phrases", "noun-phrase spans of {\"text\"} lines");
    auto* pr = app.add_subcommand("prompt", "category prompt(s), spans and token positive maps");
    pr->add_option("--categories", categories, "JSON or text file of category names")->required();
    pr->add_option("--chunk", chunk, "categories per prompt (-1: all; LVIS uses 40)");
    pr->add_flag("--demo", demo, "demo style (\" . \" separators, trailing)");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    if (tok->parsed()) return cmd_tokenize(vocab, spm, max_len);
    if (ph->parsed()) return cmd_phrases();
    return cmd_prompt(categories, chunk, demo);
  });
}
