// Trainer hooks: progress line, metrics JSON lines, evaluation, curves.
#include "glip/engine/hooks.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "glip/core/fs.h"
#include "glip/core/logging.h"
#include "glip/engine/curves.h"

namespace glip::engine {
namespace {

std::string metrics_path(const Trainer& t) {
  return (std::filesystem::path(t.options().work_dir) / "metrics.jsonl").string();
}

void append_line(const std::string& path, const std::string& line) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
}

std::string hms(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, seconds));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

class ProgressHook : public TrainHook {
 public:
  void before_train(Trainer&) override { window_ = 0.0, count_ = 0; }
  void after_step(Trainer& t, const StepStats& st) override {
    window_ += st.seconds;
    ++count_;
    total_ += st.seconds;
    ++steps_;
    const int64_t period = t.options().solver.log_period;
    if (t.rank() != 0 || (st.iteration % period != 0 && st.iteration != st.max_iter && st.iteration != 1)) return;
    const double sec_per_it = window_ / static_cast<double>(count_);
    std::string terms;
    for (const auto& [k, v] : st.losses) terms += fmt::format(" {} {:.4f}", k, v);
    GLIP_LOG_INFO("[train] iter {}/{}  loss {:.4f} ({} )  lr {:.3e}  wd {:.3e}  {:.2f} it/s  {:.1f} img/s  eta {}{}",
                  st.iteration, st.max_iter, st.loss, terms, st.lr, st.weight_decay, 1.0 / sec_per_it,
                  static_cast<double>(t.options().solver.ims_per_batch) / sec_per_it,
                  hms(total_ / static_cast<double>(steps_) * static_cast<double>(st.max_iter - st.iteration)),
                  st.skipped ? "  (step skipped)" : "");
    window_ = 0.0;
    count_ = 0;
  }

 private:
  double window_ = 0.0, total_ = 0.0;
  int64_t count_ = 0, steps_ = 0;
};

class MetricsHook : public TrainHook {
 public:
  void before_train(Trainer& t) override {
    if (t.rank() != 0) return;
    // On resume, drop lines written after the checkpoint we restart from.
    const std::string path = metrics_path(t);
    if (!std::filesystem::exists(path)) return;
    std::ifstream in(path);
    std::string line, kept;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      // A line whose iteration is not an integer (hand-edited) is dropped rather than trusted.
      if (j.is_object() && j.contains("iteration") && j["iteration"].is_number_integer() &&
          j["iteration"].get<int64_t>() <= t.iteration())
        kept += line + "\n";
    }
    write_file_atomic(path, kept);
  }
  void after_step(Trainer& t, const StepStats& st) override {
    if (t.rank() != 0) return;
    if (st.iteration % t.options().solver.log_period != 0 && st.iteration != st.max_iter) return;
    nlohmann::json j = {{"iteration", st.iteration},
                        {"loss", st.loss},
                        {"lr", st.lr},
                        {"weight_decay", st.weight_decay},
                        {"grad_norm", st.grad_norm},
                        {"seconds", st.seconds},
                        {"images_per_second", st.images_per_second},
                        {"skipped", st.skipped}};
    for (const auto& [k, v] : st.losses) j["losses"][k] = v;
    append_line(metrics_path(t), j.dump());
  }
};

class EvalHook : public TrainHook {
 public:
  EvalHook(int64_t period, std::function<std::map<std::string, double>(Trainer&, int64_t)> fn)
      : period_(period), fn_(std::move(fn)) {}
  void after_step(Trainer& t, const StepStats& st) override {
    if (period_ > 0 && st.iteration % period_ == 0 && st.iteration != st.max_iter) run(t, st.iteration);
  }
  void after_train(Trainer& t) override { run(t, t.iteration()); }

 private:
  void run(Trainer& t, int64_t iteration) {
    const auto metrics = fn_(t, iteration);
    if (t.rank() != 0 || metrics.empty()) return;
    nlohmann::json j = {{"iteration", iteration}};
    std::string text;
    for (const auto& [k, v] : metrics) {
      j["eval"][k] = v;
      text += fmt::format(" {} {:.4f}", k, v);
    }
    GLIP_LOG_INFO("[eval] iter {}:{}", iteration, text);
    append_line(metrics_path(t), j.dump());
  }
  int64_t period_;
  std::function<std::map<std::string, double>(Trainer&, int64_t)> fn_;
};

class CurvesHook : public TrainHook {
 public:
  void after_train(Trainer& t) override {
    if (t.rank() != 0) return;
    const auto dir = std::filesystem::path(t.options().work_dir);
    std::map<std::string, Series> losses, evals;
    std::ifstream in(metrics_path(t));
    std::string line;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      if (!j.contains("iteration") || !j["iteration"].is_number()) continue;
      const double it = j["iteration"].get<double>();
      // A non-finite loss is written as null: no point on the curve.
      if (j.contains("loss") && j["loss"].is_number()) losses["loss"].push_back({it, j["loss"].get<double>()});
      for (const char* group : {"losses", "eval"}) {
        if (!j.contains(group) || !j[group].is_object()) continue;
        for (const auto& [k, v] : j[group].items()) {
          if (v.is_number()) (std::string(group) == "eval" ? evals : losses)[k].push_back({it, v.get<double>()});
        }
      }
    }
    if (!losses.empty()) plot_curves((dir / "loss_curves.png").string(), "training loss", losses);
    if (!evals.empty()) plot_curves((dir / "metric_curves.png").string(), "evaluation", evals);
  }
};

}  // namespace

std::shared_ptr<TrainHook> make_progress_hook() { return std::make_shared<ProgressHook>(); }
std::shared_ptr<TrainHook> make_metrics_hook() { return std::make_shared<MetricsHook>(); }
std::shared_ptr<TrainHook> make_eval_hook(int64_t period,
                                          std::function<std::map<std::string, double>(Trainer&, int64_t)> fn) {
  return std::make_shared<EvalHook>(period, std::move(fn));
}
std::shared_ptr<TrainHook> make_curves_hook() { return std::make_shared<CurvesHook>(); }

}  // namespace glip::engine
