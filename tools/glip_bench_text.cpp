// glip_bench_text: single-thread throughput of WordPiece tokenisation and noun-phrase extraction, and the
// precision/recall of exact noun-phrase spans on a hand-labelled caption file ("[A man] riding [a horse]").
//   glip_bench_text --labelled tests/data/text/noun_phrases_labelled.txt [--repeat 50]
#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <set>

#include "cli_common.h"
#include "glip/core/error.h"
#include "glip/text/noun_phrases.h"
#include "glip/text/tokenizer.h"

namespace gt = glip::text;

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"text throughput and noun-phrase accuracy"};
    std::string labelled;
    int repeat = 50;
    app.add_option("--labelled", labelled, "hand-labelled captions, phrases in [brackets]")->required();
    app.add_option("--repeat", repeat, "passes over the captions for timing")->check(CLI::Range(1, 100000));
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    std::ifstream in(labelled);
    GLIP_CHECK_INPUT(in.good(), "labelled file '", labelled, "': cannot be read");
    std::vector<std::string> captions;
    std::vector<std::set<gt::Offset>> gold;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto [cap, spans] = gt::parse_bracketed_phrases(line);
      captions.push_back(cap);
      gold.emplace_back(spans.begin(), spans.end());
    }
    GLIP_CHECK_INPUT(!captions.empty(), "labelled file '", labelled, "': no captions");
    const gt::NounPhraseExtractor np;
    const auto tok = gt::make_tokenizer();
    int64_t tp = 0, predicted = 0, golds = 0;
    for (size_t i = 0; i < captions.size(); ++i) {
      const auto got = np.extract(captions[i]);
      for (const auto& s : got) tp += gold[i].count(s);
      predicted += static_cast<int64_t>(got.size());
      golds += static_cast<int64_t>(gold[i].size());
    }
    auto time_it = [&](auto&& fn) {
      const auto t0 = std::chrono::steady_clock::now();
      size_t sink = 0;
      for (int r = 0; r < repeat; ++r)
        for (const auto& c : captions) sink += fn(c);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (sink == 0) std::cerr << "(nothing produced)\n";
      return static_cast<double>(captions.size()) * repeat / s;
    };
    const double tok_rate = time_it([&](const std::string& c) { return tok->encode(c).size(); });
    const double np_rate = time_it([&](const std::string& c) { return np.extract(c).size(); });
    std::cout << "captions: " << captions.size() << " (" << golds << " labelled phrases)\n"
              << "noun phrases: precision " << static_cast<double>(tp) / static_cast<double>(predicted) << ", recall "
              << static_cast<double>(tp) / static_cast<double>(golds) << "\n"
              << "wordpiece tokenize: " << tok_rate << " captions/s (1 thread)\n"
              << "noun-phrase extraction: " << np_rate << " captions/s (1 thread)\n";
    return glip::cli::kOk;
  });
}
