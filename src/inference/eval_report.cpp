#include "inference/eval_report.h"

#include "glip/core/fs.h"

namespace glip::inference {

DatasetEvalReport finish_report(const std::string& dir, ojson metrics, const std::string& table, int64_t images,
                                const ProgressMeter& meter) {
  DatasetEvalReport rep;
  rep.images = images;
  rep.seconds = meter.elapsed_s();
  metrics["images"] = images;
  metrics["inference_seconds"] = rep.seconds;
  metrics["images_per_second"] = rep.seconds > 0 ? static_cast<double>(images) / rep.seconds : 0.0;
  rep.metrics_json = metrics.dump(2) + "\n";
  rep.table = table;
  write_file_atomic(dir + "/metrics.json", rep.metrics_json);
  return rep;
}

}  // namespace glip::inference
