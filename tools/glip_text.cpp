// glip_text: tokenizer, noun phrases and category prompts on the command line (JSON lines in and out).
//   glip_text tokenize [--vocab FILE | --spm FILE] [--max-len N]   {"text"} -> {"text","ids","tokens","offsets"}
//   glip_text phrases                                              {"text"} -> {"text","phrases":[[s,e],...]}
//   glip_text prompt --categories FILE [--chunk N] [--demo]        prompts, spans and token positive maps
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli_common.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/text/noun_phrases.h"
#include "glip/text/prompt.h"
#include "glip/text/unicode.h"
#include "text_cli.h"

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

int cmd_tokenize(const std::string& vocab, const std::string& spm, int64_t max_len) {
  gt::TokenizerConfig cfg;
  if (!spm.empty()) cfg.type = "sentencepiece", cfg.spm_model = spm;
  cfg.vocab_file = vocab;
  const auto tok = gt::make_tokenizer(cfg);
  for_each_text_line([&](const std::string& text) {
    gt::Encoding e = tok->encode(text);
    if (max_len > 0) e = gt::truncate_and_pad(e, max_len, true, tok->pad_id(), tok->pad_token());
    json out = {
        {"text", text}, {"ids", e.ids}, {"tokens", e.tokens}, {"offsets", glip::tools::offsets_json(e.offsets)}};
    std::cout << out.dump() << "\n";
  });
  return glip::cli::kOk;
}

int cmd_phrases() {
  const gt::NounPhraseExtractor np;
  for_each_text_line([&](const std::string& text) {
    std::cout << json{{"text", text}, {"phrases", glip::tools::offsets_json(np.extract(text))}}.dump() << "\n";
  });
  return glip::cli::kOk;
}

int cmd_prompt(const std::string& categories, int64_t chunk, bool demo) {
  const auto cats = glip::tools::read_category_names(categories);
  const auto tok = gt::make_tokenizer();
  if (demo) {
    std::vector<std::string> names;
    for (const auto& kv : cats) names.push_back(kv.second);
    std::cout << glip::tools::prompt_json(gt::build_demo_prompt(names), *tok).dump() << "\n";
    return glip::cli::kOk;
  }
  for (const auto& q : gt::create_queries_and_maps(cats, *tok, chunk))
    std::cout << glip::tools::prompt_json(q.prompt, *tok).dump() << "\n";
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
