// glip_compare: metrics of several runs side by side (Markdown table on stdout, grouped bars as PNG).
//   glip_compare --run teacher=out/eval/teacher_flickr.json --run student=... [--key KEY=LABEL ...] [--png F]
#include <CLI/CLI.hpp>

#include <iostream>
#include <set>

#include "cli_common.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/pseudo/compare.h"

namespace {

std::pair<std::string, std::string> split_eq(const std::string& s, const char* what) {
  const auto eq = s.find('=');
  GLIP_CHECK_INPUT(eq != std::string::npos && eq > 0, what, " '", s, "' must be NAME=VALUE");
  return {s.substr(0, eq), s.substr(eq + 1)};
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"glip_compare: metrics of several runs side by side (table and PNG bar chart)"};
    std::vector<std::string> runs, keys, merge;
    std::string png, title = "teacher vs student", markdown;
    app.add_option("--run", runs, "NAME=METRICS.json (repeatable; several files per name: NAME=a.json,b.json)")
        ->required();
    app.add_option(
        "--key", keys,
        "metric to show: flattened JSON key (a/b/c) or KEY=LABEL (repeatable; default: keys all runs share)");
    app.add_option("--png", png, "write a grouped bar chart here");
    app.add_option("--markdown", markdown, "also write the table here");
    app.add_option("--title", title, "chart title");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    std::vector<glip::pseudo::RunMetrics> all;
    for (const auto& r : runs) {
      auto [name, files] = split_eq(r, "--run");
      glip::pseudo::RunMetrics m{name, {}};
      size_t start = 0;
      while (start <= files.size()) {
        const size_t comma = std::min(files.find(',', start), files.size());
        const std::string file = files.substr(start, comma - start);
        start = comma + 1;
        if (file.empty()) continue;
        const nlohmann::json j = glip::parse_json_input(glip::read_file(file), "metrics file '" + file + "'");
        for (const auto& [k, v] : glip::pseudo::flatten_metrics(j)) m.metrics[k] = v;
      }
      GLIP_CHECK_INPUT(!m.metrics.empty(), "--run '", r, "': no numeric metric in the file(s)");
      all.push_back(std::move(m));
    }
    std::vector<std::string> key_list, labels;
    for (const auto& k : keys) {
      const auto eq = k.find('=');
      key_list.push_back(eq == std::string::npos ? k : k.substr(0, eq));
      labels.push_back(eq == std::string::npos ? k : k.substr(eq + 1));
    }
    if (key_list.empty()) {
      for (const auto& [k, v] : all[0].metrics) {
        bool everywhere = true;
        for (const auto& r : all) everywhere = everywhere && r.metrics.count(k);
        if (everywhere) key_list.push_back(k), labels.push_back(k);
      }
    }
    GLIP_CHECK_INPUT(!key_list.empty(), "the runs share no metric key; name them with --key");
    const std::string table = glip::pseudo::comparison_table(all, key_list, labels);
    std::cout << table;
    if (!markdown.empty()) glip::write_file_atomic(markdown, table);
    if (!png.empty()) glip::pseudo::plot_comparison(png, title, all, key_list, labels);
    return glip::cli::kOk;
  });
}
