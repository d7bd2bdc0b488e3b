// glip_bench_data: throughput of the data path, one thread (peak memory: run it under /usr/bin/time -v). Each
// mode prints wall seconds and this process's CPU seconds (on a shared machine the CPU time is the steadier).
//   glip_bench_data hash FILE... [--repeat 3]              SHA-256 of files (core/sha256), MB/s
//   glip_bench_data read --format mdetr|odvg|coco|pseudo|webdataset FILE... [--image-root DIR]
//                                                           a dataset reader: records, boxes, seconds
//   glip_bench_data loader --pseudo JSONL... [--batches 20 --batch 8 --min-size 64 --max-size 64]
//                                                           the student's training batches from pseudo-label
//                                                           shards (decode, transform, tokenise): images/s
#include <CLI/CLI.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "glip/core/error.h"
#include "glip/core/sha256.h"
#include "glip/data/grounding_batch.h"
#include "glip/data/readers.h"

namespace gd = glip::data;

namespace {

/** Wall and CPU seconds since construction. */
struct Timer {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  std::clock_t cpu = std::clock();
  double wall_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count(); }
  double cpu_s() const { return static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC; }
};

gd::RecordSet read_set(const std::string& format, const std::vector<std::string>& files, const std::string& root) {
  if (format == "pseudo") return gd::read_pseudo_shards(files, gd::PseudoFilter{0.f, 0});
  if (format == "webdataset") return gd::read_webdataset(files);
  GLIP_CHECK_INPUT(files.size() == 1, "--format ", format, " reads one file, got ", files.size());
  if (format == "mdetr") return gd::read_mdetr(files[0], root);
  if (format == "odvg") return gd::read_odvg(files[0], root);
  return gd::read_coco_detection(files[0], root);
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"glip_bench_data: data-path throughput (hashing, dataset readers, the student loader)"};
    app.require_subcommand(1);
    std::vector<std::string> files;
    int repeat = 3;
    auto* hash = app.add_subcommand("hash", "SHA-256 of files, MB/s");
    hash->add_option("files", files, "files to hash")->required()->check(CLI::ExistingFile);
    hash->add_option("--repeat", repeat, "passes over the files (the best is reported)")->check(CLI::Range(1, 100));
    std::string format, root;
    auto* read = app.add_subcommand("read", "time one dataset reader");
    read->add_option("--format", format, "reader")
        ->required()
        ->check(CLI::IsMember({"mdetr", "odvg", "coco", "pseudo", "webdataset"}));
    read->add_option("files", files, "annotation file(s) or shards")->required()->check(CLI::ExistingFile);
    read->add_option("--image-root", root, "image folder the annotation paths are relative to");
    int64_t batches = 20, batch = 8, min_size = 64, max_size = 64;
    auto* loader = app.add_subcommand("loader", "the student's batches from pseudo-label shards, images/s");
    loader->add_option("--pseudo", files, "pseudo-label .jsonl shards")->required()->check(CLI::ExistingFile);
    loader->add_option("--batches", batches, "batches to build")->check(CLI::Range(1, 1000000));
    loader->add_option("--batch", batch, "images per batch")->check(CLI::Range(1, 4096));
    loader->add_option("--min-size", min_size, "short side")->check(CLI::Range(1, 4096));
    loader->add_option("--max-size", max_size, "long side limit")->check(CLI::Range(1, 8192));
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;

    if (*hash) {
      uint64_t bytes = 0;
      for (const auto& f : files) bytes += std::filesystem::file_size(f);
      double best = 1e30, best_cpu = 1e30;
      std::string digest;
      for (int r = 0; r < repeat; ++r) {
        const Timer t;
        for (const auto& f : files) digest = glip::sha256_file(f);
        best = std::min(best, t.wall_s());
        best_cpu = std::min(best_cpu, t.cpu_s());
      }
      std::cout << "sha256: " << bytes / 1e6 << " MB, best of " << repeat << ": " << best << " s wall ("
                << bytes / 1e6 / best << " MB/s), " << best_cpu << " s CPU (" << bytes / 1e6 / best_cpu
                << " MB/s); digest " << digest << std::endl;
    } else if (*read) {
      const Timer t;
      const gd::RecordSet set = read_set(format, files, root);
      const double wall = t.wall_s(), cpu = t.cpu_s();
      int64_t boxes = 0;
      for (const auto& r : set.records) boxes += static_cast<int64_t>(r.boxes.size());
      std::cout << "read " << format << ": " << set.records.size() << " records, " << boxes << " boxes in " << wall
                << " s wall, " << cpu << " s CPU" << std::endl;
    } else {
      gd::RecordSet set = gd::read_pseudo_shards(files, gd::PseudoFilter{0.f, 0});
      const size_t n = set.records.size();
      GLIP_CHECK_INPUT(n > 0, "--pseudo: the shards hold no records");
      gd::BatchBuilderOptions opt;
      opt.transforms.min_size = {min_size};
      opt.transforms.max_size = max_size;
      opt.transforms.flip_prob = 0.5;
      std::vector<gd::RecordSet> sets;
      sets.push_back(std::move(set));
      const gd::GroundingBatchBuilder builder(std::move(sets), {1.0}, glip::text::make_tokenizer(), opt);
      const Timer t;
      for (int64_t it = 0; it < batches; ++it) builder.build(it, 0, 1, batch);
      const double wall = t.wall_s(), cpu = t.cpu_s(), images = static_cast<double>(batches * batch);
      std::cout << "loader: " << batches * batch << " images (" << batches << " batches of " << batch << ", " << n
                << " records): " << wall << " s wall (" << images / wall << " images/s), " << cpu << " s CPU ("
                << images / cpu << " images/s)" << std::endl;
    }
    return 0;
  });
}
