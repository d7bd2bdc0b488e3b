// glip_eval's model mode: evaluate a checkpoint on a dataset of the config's eval.datasets.
#pragma once
#include <string>

#include "cli_common.h"

namespace glip::tools {

struct ModelEvalArgs {
  cli::ConfigArgs config;
  std::string checkpoint;
  std::string dataset;
  std::string data_root;  ///< "" = $GLIP_DATA_ROOT (or paths as written)
  std::string out;        ///< "" = the config's work_dir
  bool no_feature_reuse = false;
  bool phrase_probe = false;  ///< run the one-phrase probe (glip/inference/phrase_probe.h) instead of the protocol
};

/** Runs the evaluation; returns the exit code. */
int run_model_eval(const ModelEvalArgs& args);

}  // namespace glip::tools
