// glip_infer: detects the phrases of a prompt (or the names of a category file) in an image or a folder.
//   glip_infer --config C --checkpoint K --image IMG --prompt "red star. blue ring" [--out DIR]
//   glip_infer --config C --checkpoint K --images DIR_OR_LIST --categories FILE [--score-threshold 0.5]
// Prints one JSON object per image on stdout (phrase, score, box in original pixels); writes DIR/vis/ with the
// boxes drawn, DIR/detections.jsonl, and for --images the COCO-format DIR/results.json plus DIR/images.json.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <set>

#include "cli_common.h"
#include "glip/app/glip_config.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/progress.h"
#include "glip/data/boxes.h"
#include "glip/data/data_config.h"
#include "glip/data/transforms.h"
#include "glip/evaluation/model_eval.h"
#include "glip/inference/predictor.h"
#include "glip/io/image.h"
#include "glip/text/tokenizer.h"
#include "infer_output.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct InferArgs {
  glip::cli::ConfigArgs config;
  std::string checkpoint, image, images, prompt, categories, out;
  double score_threshold = 0.5;
  bool no_draw = false;
};

/** Output file names: the image's stem, made unique with its index when two inputs share one. */
std::vector<std::string> output_stems(const std::vector<std::string>& paths) {
  std::map<std::string, int> count;
  for (const auto& p : paths) ++count[fs::path(p).stem().string()];
  std::vector<std::string> out;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string stem = fs::path(paths[i]).stem().string();
    out.push_back(count[stem] > 1 ? std::to_string(i) + "_" + stem : stem);
  }
  return out;
}

int run(const InferArgs& a) {
  glip::app::GlipConfig cfg;
  if (!glip::cli::resolve_config(a.config, cfg)) return glip::cli::kOk;
  // Inputs first: a bad prompt, category file or image list fails before the model is loaded.
  std::map<int64_t, std::string> vocab =
      a.categories.empty() ? glip::tools::parse_prompt_phrases(a.prompt) : glip::tools::read_categories_file(a.categories);
  // data.override_category / caption_prompt rewrite a category file's classes as they do an evaluation set's;
  // detections are then named by the written name. A --prompt is taken as typed.
  glip::text::ClassPrompts parts;
  if (!a.categories.empty()) {
    parts = glip::data::class_prompts(cfg.data, vocab, "--categories '" + a.categories + "'");
    for (const auto& [id, part] : parts) vocab[id] = part.name;
  }
  std::vector<std::string> paths;
  if (!a.image.empty()) {
    GLIP_CHECK_INPUT(fs::is_regular_file(a.image), "--image '", a.image, "' does not exist or is not a file");
    paths.push_back(a.image);
  } else {
    paths = glip::tools::list_images(a.images);
  }
  GLIP_CHECK_INPUT(fs::is_regular_file(a.checkpoint), "checkpoint '", a.checkpoint, "' does not exist or is not a file");
  GLIP_CHECK_INPUT(a.score_threshold >= 0 && a.score_threshold <= 1, "--score-threshold ", a.score_threshold,
                   ": expected a value in [0, 1]");
  if (!a.out.empty()) cfg.runtime.work_dir = a.out;
  const auto st = glip::cli::start_run(cfg.runtime, glip::config::dump(cfg));
  const std::string out = cfg.runtime.work_dir;
  if (!a.no_draw) fs::create_directories(out + "/vis");

  auto opts = glip::app::predictor_options(cfg);
  opts.score_threshold = a.score_threshold;
  glip::inference::Predictor predictor(glip::inference::load_model(cfg.model, a.checkpoint),
                                       glip::text::make_tokenizer(), opts, st.device);
  const auto queries =
      glip::eval::plan_category_queries(vocab, predictor.tokenizer(), cfg.test.chunk_size, opts.max_query_len,
                                        parts.empty() ? nullptr : &parts);
  std::vector<glip::text::Prompt> prompts;
  for (const auto& q : queries) prompts.push_back(q.prompt);

  const auto stems = output_stems(paths);
  const size_t bs = static_cast<size_t>(std::max<int64_t>(1, cfg.test.ims_per_batch));
  glip::ProgressMeter meter("[infer]", static_cast<int64_t>(paths.size()), "images");
  json results = json::array(), images_json = json::array();
  std::string jsonl;
  for (size_t b = 0; b < paths.size(); b += bs) {
    std::vector<at::Tensor> batch;
    for (size_t i = b; i < std::min(paths.size(), b + bs); ++i) batch.push_back(glip::data::decode_image({paths[i], ""}));
    const auto dets = glip::eval::detect_batch(predictor, batch, prompts, /*reuse_features=*/true);
    for (size_t k = 0; k < batch.size(); ++k) {
      const size_t i = b + k;
      const auto boxes = dets[k].boxes.to(at::kCPU, at::kDouble).contiguous();
      const auto scores = dets[k].scores.to(at::kCPU, at::kDouble).contiguous();
      const auto labels = dets[k].labels.to(at::kCPU, at::kLong).contiguous();
      std::vector<glip::tools::DrawnDetection> kept;
      for (int64_t n = 0; n < boxes.size(0); ++n) {
        const double s = scores.data_ptr<double>()[n];
        if (s < a.score_threshold) continue;
        const double* bx = boxes.data_ptr<double>() + 4 * n;
        const int64_t label = labels.data_ptr<int64_t>()[n];
        kept.push_back({vocab.at(label), label, s, {bx[0], bx[1], bx[2], bx[3]}});
        // COCO results as the official prepare_for_coco_detection writes them: w = x2 - x1 + 1 (glip/data/boxes.h).
        const auto xywh = glip::data::xyxy_to_result_xywh({static_cast<float>(bx[0]), static_cast<float>(bx[1]),
                                                           static_cast<float>(bx[2]), static_cast<float>(bx[3])},
                                                          /*plus_one=*/true);
        results.push_back({{"image_id", i + 1}, {"category_id", label}, {"score", s},
                           {"bbox", {xywh[0], xywh[1], xywh[2], xywh[3]}}});
      }
      std::sort(kept.begin(), kept.end(), [](const auto& x, const auto& y) { return x.score > y.score; });
      const int64_t h = batch[k].size(0), w = batch[k].size(1);
      const std::string line = glip::tools::detections_json(paths[i], w, h, kept);
      std::cout << line << "\n" << std::flush;
      jsonl += line + "\n";
      images_json.push_back({{"id", i + 1}, {"file_name", paths[i]}, {"width", w}, {"height", h}});
      if (!a.no_draw) {
        const at::Tensor img = batch[k].contiguous();
        const cv::Mat bgr(static_cast<int>(h), static_cast<int>(w), CV_8UC3, img.data_ptr<uint8_t>());
        glip::write_file_atomic(out + "/vis/" + stems[i] + ".jpg",
                                glip::io::encode_jpeg(glip::tools::draw_detections(bgr, kept), 92));
      }
    }
    meter.advance(static_cast<int64_t>(batch.size()));
  }
  meter.finish();
  glip::write_file_atomic(out + "/detections.jsonl", jsonl);
  if (a.image.empty()) {
    json cats = json::array();
    for (const auto& [id, name] : vocab) cats.push_back({{"id", id}, {"name", name}});
    glip::write_file_atomic(out + "/results.json", results.dump() + "\n");
    glip::write_file_atomic(out + "/images.json", json{{"images", images_json}, {"categories", cats}}.dump() + "\n");
  }
  std::cerr << "glip_infer: " << paths.size() << " image(s), " << results.size() << " detection(s) >= "
            << a.score_threshold << ", " << meter.rate() << " images/s; outputs in " << out << "\n";
  return glip::cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&] {
    CLI::App app{"glip_infer: detect the phrases of a prompt or the names of a category file in images"};
    InferArgs a;
    glip::cli::add_config_options(app, a.config);
    app.add_option("--checkpoint", a.checkpoint, "official .pth or project .safetensors checkpoint");
    auto* one = app.add_option("--image", a.image, "one image (JPEG or PNG)");
    auto* many = app.add_option("--images", a.images, "a folder of images, or a text file listing one image a line");
    one->excludes(many);
    auto* prompt = app.add_option("--prompt", a.prompt, "phrases separated by '.', e.g. \"red star. blue ring\"");
    auto* cats = app.add_option("--categories", a.categories,
                                "category names: a text file (one a line) or COCO-style JSON categories");
    prompt->excludes(cats);
    app.add_option("--score-threshold", a.score_threshold, "keep detections scoring at least this")
        ->capture_default_str();
    app.add_option("--out", a.out, "output folder (default: the config's work_dir)");
    app.add_flag("--no-draw", a.no_draw, "do not write the images with boxes drawn");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    const bool inputs_ok = one->count() + many->count() == 1 && prompt->count() + cats->count() == 1 &&
                           !a.checkpoint.empty();
    if (!a.config.dump && !inputs_ok)
      return glip::cli::usage_error(app, "give --checkpoint, one of --image / --images and one of --prompt / "
                                         "--categories");
    return run(a);
  });
}
