// glip_infer: detects the phrases of a prompt (or the names of a category file) in an image or a folder.
//   glip_infer --config C --checkpoint K --image IMG --prompt "red star. blue ring" [--out DIR]
//   glip_infer --config C --checkpoint K --images DIR_LIST_OR_COCO_JSON --categories FILE [--score-threshold 0.5]
// Prints one JSON object per image on stdout; the work is glip::inference::infer_images (infer_run.h), which
// writes DIR/vis/, DIR/detections.jsonl and, for --images, the COCO-format DIR/results.json plus DIR/images.json.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "glip/app/glip_config.h"
#include "glip/core/error.h"
#include "glip/data/data_config.h"
#include "glip/inference/infer_run.h"
#include "glip/text/tokenizer.h"

namespace {

namespace fs = std::filesystem;
namespace gi = glip::inference;

struct InferArgs {
  glip::cli::ConfigArgs config;
  std::string checkpoint, image, images, image_root, prompt, categories, out;
  double score_threshold = 0.5;
  bool no_draw = false;
};

int run(const InferArgs& a) {
  glip::app::GlipConfig cfg;
  if (!glip::cli::resolve_config(a.config, cfg)) return glip::cli::kOk;
  // Inputs first: a bad prompt, category file or image list fails before the model is loaded.
  gi::InferRunOptions o;
  o.vocabulary = a.categories.empty() ? gi::parse_prompt_phrases(a.prompt) : gi::read_categories_file(a.categories);
  // data.override_category / caption_prompt rewrite a category file's classes as they do an evaluation set's;
  // detections are then named by the written name. A --prompt is taken as typed.
  if (!a.categories.empty()) {
    o.class_prompts = glip::data::class_prompts(cfg.data, o.vocabulary, "--categories '" + a.categories + "'");
    for (const auto& [id, part] : o.class_prompts) o.vocabulary[id] = part.name;
  }
  if (!a.image.empty()) {
    GLIP_CHECK_INPUT(fs::is_regular_file(a.image), "--image '", a.image, "' does not exist or is not a file");
    o.images.push_back({1, a.image});
  } else {
    o.images = gi::list_images(a.images, a.image_root);
  }
  GLIP_CHECK_INPUT(fs::is_regular_file(a.checkpoint), "checkpoint '", a.checkpoint,
                   "' does not exist or is not a file");
  o.score_threshold = a.score_threshold;
  gi::check_infer_options(o);
  if (!a.out.empty()) cfg.runtime.work_dir = a.out;
  const auto st = glip::cli::start_run(cfg.runtime, glip::config::dump(cfg));
  o.out_dir = cfg.runtime.work_dir;
  o.draw = !a.no_draw;
  o.coco_files = a.image.empty();
  o.batch_size = cfg.test.ims_per_batch;
  o.chunk_size = cfg.test.chunk_size;
  o.on_image = [](const std::string& line) { std::cout << line << "\n" << std::flush; };

  auto opts = glip::app::predictor_options(cfg);
  opts.score_threshold = a.score_threshold;
  const gi::Predictor predictor(glip::modeling::load_model(cfg.model, a.checkpoint), glip::text::make_tokenizer(), opts,
                                st.device);
  const auto s = gi::infer_images(predictor, o);
  std::cerr << "glip_infer: " << s.images << " image(s), " << s.detections << " detection(s) >= " << a.score_threshold
            << ", " << s.images_per_second << " images/s; outputs in " << o.out_dir << "\n";
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
    auto* many = app.add_option("--images", a.images,
                                "a folder of images, a text file listing one image a line (results.json image_id: "
                                "the 1-based position), or a COCO-format .json whose \"images\" {id, file_name} are "
                                "run (image_id: their COCO ids, so a COCO ground truth matches)");
    one->excludes(many);
    app.add_option("--image-root", a.image_root, "folder of a COCO .json's file names (default: the JSON's folder)")
        ->needs(many);
    auto* prompt = app.add_option("--prompt", a.prompt, "phrases separated by '.', e.g. \"red star. blue ring\"");
    auto* cats = app.add_option("--categories", a.categories,
                                "category names: a text file (one a line) or COCO-style JSON categories");
    prompt->excludes(cats);
    app.add_option("--score-threshold", a.score_threshold, "keep detections scoring at least this")
        ->capture_default_str();
    app.add_option("--out", a.out, "output folder (default: the config's work_dir)");
    app.add_flag("--no-draw", a.no_draw, "do not write the images with boxes drawn");
    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;
    const bool inputs_ok =
        one->count() + many->count() == 1 && prompt->count() + cats->count() == 1 && !a.checkpoint.empty();
    if (!a.config.dump && !inputs_ok)
      return glip::cli::usage_error(app,
                                    "give --checkpoint, one of --image / --images and one of --prompt / "
                                    "--categories");
    return run(a);
  });
}
