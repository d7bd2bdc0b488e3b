// glip_eval_bench: writes a deterministic COCO-val-sized evaluation case (5,000 images, 80 categories,
// about 36k ground-truth boxes, 100 detections per image) and times COCO evaluation on it, the same
// code path as `glip_eval coco` (load both files, evaluate, summarize).
//   glip_eval_bench --dir /tmp/coco_bench [--images 5000] [--repeat 3] [--generate-only]
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>

#include "cli_common.h"
#include "glip/core/fs.h"
#include "glip/evaluation/coco_eval.h"
#include "glip/formats/detection_json.h"

namespace {

struct Box {
  double x, y, w, h;
};

void append_num(std::string& s, double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  s += buf;
}

void generate(const std::string& dir, int num_images, int num_cats, int dets_per_image) {
  std::mt19937_64 rng(20240501);
  std::uniform_real_distribution<double> U(0.0, 1.0);
  std::poisson_distribution<int> n_gt(7.3);
  std::string gt = "{\"info\": {\"description\": \"glip_eval_bench\"}, \"images\": [";
  std::string anns = "], \"annotations\": [";
  std::string res = "[";
  int64_t ann_id = 1;
  for (int i = 0; i < num_images; ++i) {
    const int W = U(rng) < 0.5 ? 640 : 480, H = W == 640 ? 480 : 640;
    const int64_t img_id = 100000 + 7 * i;
    gt += (i ? ", " : "") + std::string("{\"id\": ") + std::to_string(img_id) + ", \"width\": " + std::to_string(W) +
          ", \"height\": " + std::to_string(H) + ", \"file_name\": \"" + std::to_string(img_id) + ".jpg\"}";
    std::vector<std::pair<int, Box>> objs;
    const int n = n_gt(rng);
    for (int g = 0; g < n; ++g) {
      // log-uniform sizes give COCO's mix of small, medium and large objects
      const double w = std::exp(std::log(4.0) + U(rng) * std::log(W * 0.9 / 4.0));
      const double h = std::min(H * 0.95, w * std::exp((U(rng) - 0.5) * 1.5));
      const Box b{U(rng) * (W - w), U(rng) * (H - h), w, h};
      const int cat = 1 + static_cast<int>(std::pow(U(rng), 2.0) * num_cats);  // skewed like COCO
      objs.push_back({cat, b});
      const bool crowd = U(rng) < 0.01;
      const int64_t id = ann_id++;
      anns += (id > 1 ? ", " : "") + std::string("{\"id\": ") + std::to_string(id) +
              ", \"image_id\": " + std::to_string(img_id) + ", \"category_id\": " + std::to_string(cat) +
              ", \"iscrowd\": " + (crowd ? "1" : "0") + ", \"area\": ";
      append_num(anns, b.w * b.h * (0.55 + 0.4 * U(rng)), 2);
      anns += ", \"bbox\": [";
      append_num(anns, b.x, 2), anns += ", ", append_num(anns, b.y, 2), anns += ", ";
      append_num(anns, b.w, 2), anns += ", ", append_num(anns, b.h, 2), anns += "]}";
    }
    for (int d = 0; d < dets_per_image; ++d) {
      Box b;
      int cat;
      if (!objs.empty() && U(rng) < 0.6) {  // a jittered copy of a ground-truth box
        const auto& [c, o] = objs[static_cast<size_t>(U(rng) * objs.size())];
        const double j = 0.3 * U(rng);
        b = {o.x + (U(rng) - 0.5) * j * o.w, o.y + (U(rng) - 0.5) * j * o.h, o.w * (1 + (U(rng) - 0.5) * j),
             o.h * (1 + (U(rng) - 0.5) * j)};
        cat = U(rng) < 0.85 ? c : 1 + static_cast<int>(U(rng) * num_cats);
      } else {
        const double w = 4 + U(rng) * W * 0.6, h = 4 + U(rng) * H * 0.6;
        b = {U(rng) * (W - w), U(rng) * (H - h), w, h};
        cat = 1 + static_cast<int>(std::pow(U(rng), 2.0) * num_cats);
      }
      res += (i || d ? ", " : "") + std::string("{\"image_id\": ") + std::to_string(img_id) +
             ", \"category_id\": " + std::to_string(cat) + ", \"bbox\": [";
      append_num(res, b.x, 2), res += ", ", append_num(res, b.y, 2), res += ", ";
      append_num(res, b.w, 2), res += ", ", append_num(res, b.h, 2), res += "], \"score\": ";
      append_num(res, U(rng), 3);  // 3 decimals: plenty of score ties
      res += "}";
    }
  }
  gt += anns + "], \"categories\": [";
  for (int c = 1; c <= num_cats; ++c) {
    gt += (c > 1 ? ", " : "") + std::string("{\"id\": ") + std::to_string(c) + ", \"name\": \"class" +
          std::to_string(c) + "\", \"supercategory\": \"thing\"}";
  }
  gt += "]}\n";
  res += "]\n";
  std::filesystem::create_directories(dir);
  glip::write_file_atomic(dir + "/gt.json", gt);
  glip::write_file_atomic(dir + "/results.json", res);
  std::cout << "wrote " << dir << "/gt.json (" << ann_id - 1 << " boxes, " << gt.size() / 1e6 << " MB) and " << dir
            << "/results.json (" << res.size() / 1e6 << " MB)\n";
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{"glip_eval_bench: times COCO bbox evaluation on a COCO-val-sized synthetic case"};
    std::string dir = "/tmp/glip_eval_bench";
    int images = 5000, cats = 80, dets = 100, repeat = 3;
    bool generate_only = false;
    app.add_option("--dir", dir, "where gt.json and results.json are written")->capture_default_str();
    app.add_option("--images", images, "number of images")->capture_default_str();
    app.add_option("--categories", cats, "number of categories")->capture_default_str();
    app.add_option("--dets", dets, "detections per image")->capture_default_str();
    app.add_option("--repeat", repeat, "timed runs")->capture_default_str();
    app.add_flag("--generate-only", generate_only, "only write the files");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    generate(dir, images, cats, dets);
    if (generate_only) return 0;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      auto gt = glip::formats::load_ground_truth(dir + "/gt.json");
      auto res = glip::formats::load_results(dir + "/results.json");
      const auto t1 = std::chrono::steady_clock::now();
      auto out = glip::eval::coco_evaluate(gt, res, dir + "/results.json");
      const auto t2 = std::chrono::steady_clock::now();
      const double load = std::chrono::duration<double>(t1 - t0).count();
      const double eval = std::chrono::duration<double>(t2 - t1).count();
      std::printf("run %d: load %.3f s, evaluate+accumulate+summarize %.3f s, total %.3f s (AP %.4f)\n", r, load, eval,
                  load + eval, out.stats[0]);
    }
    return 0;
  });
}
