#include "glip_eval_model.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "glip/app/glip_config.h"
#include "glip/core/environment.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/sha256.h"
#include "glip/data/data_config.h"
#include "glip/data/readers.h"
#include "glip/inference/model_eval.h"
#include "glip/inference/phrase_probe.h"
#include "glip/inference/predictor.h"
#include "glip/text/tokenizer.h"

namespace glip::tools {

int run_model_eval(const ModelEvalArgs& args) {
  app::GlipConfig cfg;
  if (!cli::resolve_config(args.config, cfg)) return cli::kOk;
  // Everything that can be checked without the model is checked first, so mistakes fail in a second.
  inference::validate(cfg.eval);
  const std::string dataset = args.dataset.empty() ? inference::default_dataset(cfg.eval) : args.dataset;
  inference::find_dataset(cfg.eval, dataset);
  GLIP_CHECK_INPUT(std::filesystem::is_regular_file(args.checkpoint), "checkpoint '", args.checkpoint,
                   "' does not exist or is not a file");
  std::string data_root = args.data_root;
  if (data_root.empty() && std::getenv("GLIP_DATA_ROOT") != nullptr) data_root = std::getenv("GLIP_DATA_ROOT");
  if (!args.out.empty()) cfg.runtime.work_dir = args.out;
  const std::string resolved = config::dump(cfg);
  const config::RuntimeState st = cli::start_run(cfg.runtime, resolved);

  const BuildInfo& bi = build_info();
  nlohmann::json record = {{"checkpoint", std::filesystem::absolute(args.checkpoint).string()},
                           {"checkpoint_sha256", sha256_file(args.checkpoint)},
                           {"config", args.config.config_path},
                           {"config_overrides", args.config.sets},
                           {"config_sha256", sha256_hex(resolved)},
                           {"model", cfg.model.name},
                           {"data_root", data_root},
                           {"device", st.device.str()},
                           {"num_threads", st.num_threads},
                           {"glip_version", bi.version},
                           {"git_sha", bi.git_sha},
                           {"build_type", bi.build_type},
                           {"compiler", bi.compiler},
                           {"torch_version", torch_version()},
                           {"blas", blas_name()}};
  const inference::PredictorOptions popt = app::predictor_options(cfg);
  record["min_size_test"] = popt.min_size;
  record["max_size_test"] = popt.max_size;
  record["max_query_len"] = popt.max_query_len;

  inference::Predictor predictor(modeling::load_model(cfg.model, args.checkpoint), text::make_tokenizer(), popt,
                                 st.device);
  if (args.phrase_probe) {
    const inference::EvalDatasetConfig& ds = inference::find_dataset(cfg.eval, dataset);
    GLIP_CHECK_INPUT(ds.protocol == "coco" || ds.protocol == "odinw", "--phrase-probe: dataset '", ds.name,
                     "' has protocol '", ds.protocol, "'; the probe takes a COCO-format detection set (coco, odinw)");
    const data::RecordSet set = data::read_coco_detection(data::resolve_data_path(data_root, ds.annotation),
                                                          data::resolve_data_path(data_root, ds.image_root));
    inference::PhraseProbeOptions po;
    po.batch_size = cfg.test.ims_per_batch;
    const inference::PhraseProbeReport rep = inference::probe_single_phrases(predictor, set, po);
    std::cout << rep.table();
    const std::string dir = cfg.runtime.work_dir + "/" + ds.name;
    std::filesystem::create_directories(dir);
    write_file_atomic(dir + "/phrase_probe.json", rep.json());
    std::printf("glip_eval %s --phrase-probe: wrote %s/phrase_probe.json\n", ds.name.c_str(), dir.c_str());
    return cli::kOk;
  }
  inference::ModelEvalRun run = app::model_eval_run(cfg, predictor, data_root, cfg.runtime.work_dir);
  run.reuse_features = !args.no_feature_reuse;
  run.record_json = record.dump();
  const inference::DatasetEvalReport rep = inference::evaluate_dataset(cfg.eval, dataset, run);
  std::cout << rep.table;
  std::printf("glip_eval %s: %lld images in %.2f s (%.2f images/s); wrote %s/%s/metrics.json\n", dataset.c_str(),
              (long long)rep.images, rep.seconds, rep.seconds > 0 ? static_cast<double>(rep.images) / rep.seconds : 0.0,
              run.out_dir.c_str(), dataset.c_str());
  return cli::kOk;
}

}  // namespace glip::tools
