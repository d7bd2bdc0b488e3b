#include "glip/engine/solver.h"

#include <cmath>
#include <functional>
#include <map>
#include <sstream>

#include "glip/core/error.h"

namespace glip::engine {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

double parse_double(const std::string& key, const std::string& value, const std::string& what) {
  const std::string v = trim(value);
  size_t used = 0;
  double out = 0.0;
  try {
    out = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  GLIP_CHECK_INPUT(used > 0 && used == v.size() && std::isfinite(out), what, ": key 'solver.", key,
                   "' has value '", value, "'; expected a finite number");
  return out;
}

int64_t parse_int(const std::string& key, const std::string& value, const std::string& what) {
  const std::string v = trim(value);
  size_t used = 0;
  long long out = 0;
  try {
    out = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  GLIP_CHECK_INPUT(used > 0 && used == v.size(), what, ": key 'solver.", key, "' has value '", value,
                   "'; expected an integer");
  return out;
}

bool parse_bool(const std::string& key, const std::string& value, const std::string& what) {
  const std::string v = trim(value);
  if (v == "true" || v == "True" || v == "1") return true;
  if (v == "false" || v == "False" || v == "0") return false;
  throw InputError(str_cat(what, ": key 'solver.", key, "' has value '", value, "'; expected true or false"));
}

std::vector<double> parse_list(const std::string& key, const std::string& value, const std::string& what) {
  std::string v = trim(value);
  if (!v.empty() && (v.front() == '[' || v.front() == '(')) v = v.substr(1);
  if (!v.empty() && (v.back() == ']' || v.back() == ')')) v.pop_back();
  std::vector<double> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (trim(item).empty()) continue;
    out.push_back(parse_double(key, item, what));
  }
  return out;
}

std::string parse_choice(const std::string& key, const std::string& value, const std::string& what,
                         const std::vector<std::string>& choices) {
  const std::string v = trim(value);
  std::string list;
  for (const auto& c : choices) {
    if (c == v) return v;
    list += (list.empty() ? "" : ", ") + c;
  }
  throw InputError(str_cat(what, ": key 'solver.", key, "' has value '", value, "'; expected one of ", list));
}

}  // namespace

void set_solver_option(SolverOptions& o, const std::string& key_in, const std::string& value,
                       const std::string& what) {
  std::string key = key_in;
  if (key.rfind("solver.", 0) == 0) key = key.substr(7);
  using Setter = std::function<void(const std::string&)>;
  auto D = [&](double& f) { return Setter([&, k = key](const std::string& v) { f = parse_double(k, v, what); }); };
  auto I = [&](int64_t& f) { return Setter([&, k = key](const std::string& v) { f = parse_int(k, v, what); }); };
  auto B = [&](bool& f) { return Setter([&, k = key](const std::string& v) { f = parse_bool(k, v, what); }); };
  auto C = [&](std::string& f, std::vector<std::string> ch) {
    return Setter([&, k = key, ch](const std::string& v) { f = parse_choice(k, v, what, ch); });
  };
  const std::map<std::string, Setter> setters = {
      {"max_iter", I(o.max_iter)},
      {"ims_per_batch", I(o.ims_per_batch)},
      {"grad_accum_steps", I(o.grad_accum_steps)},
      {"optimizer", C(o.optimizer, {"adamw", "ADAMW"})},
      {"base_lr", D(o.base_lr)},
      {"lang_lr", D(o.lang_lr)},
      {"backbone_body_lr_factor", D(o.backbone_body_lr_factor)},
      {"bias_lr_factor", D(o.bias_lr_factor)},
      {"weight_decay", D(o.weight_decay)},
      {"weight_decay_bias", D(o.weight_decay_bias)},
      {"weight_decay_norm_factor", D(o.weight_decay_norm_factor)},
      {"beta1", D(o.beta1)},
      {"beta2", D(o.beta2)},
      {"eps", D(o.eps)},
      {"steps", Setter([&](const std::string& v) { o.steps = parse_list("steps", v, what); })},
      {"gamma", D(o.gamma)},
      {"warmup_factor", D(o.warmup_factor)},
      {"warmup_iters", I(o.warmup_iters)},
      {"warmup_method", C(o.warmup_method, {"linear", "constant"})},
      {"use_cosine", B(o.use_cosine)},
      {"min_lr", D(o.min_lr)},
      {"clip_gradients.enabled", B(o.clip_gradients_enabled)},
      {"clip_gradients.clip_value", D(o.clip_value)},
      {"model_ema", D(o.model_ema)},
      {"use_amp", B(o.use_amp)},
      {"amp_dtype", C(o.amp_dtype, {"fp16", "bf16"})},
      {"checkpoint_period", I(o.checkpoint_period)},
      {"checkpoint_keep", I(o.checkpoint_keep)},
      {"log_period", I(o.log_period)},
      {"eval_period", I(o.eval_period)},
      {"tuning_highlevel_override", C(o.tuning_highlevel_override, {"full", "linear_prob", "language_prompt_v2"})},
      {"nonfinite_loss", C(o.nonfinite_loss, {"stop", "skip"})},
      {"seed", I(o.seed)},
  };
  const auto it = setters.find(key);
  if (it == setters.end()) {
    std::string known;
    for (const auto& kv : setters) known += (known.empty() ? "" : ", ") + kv.first;
    throw InputError(str_cat(what, ": unknown key 'solver.", key, "'; known solver keys: ", known));
  }
  it->second(value);
  o.explicit_keys.insert(key);
}

void validate_solver_options(const SolverOptions& o, const std::string& what) {
  auto need = [&](bool ok, const char* key, const auto& value, const char* expected) {
    GLIP_CHECK_INPUT(ok, what, ": key 'solver.", key, "' has value ", value, "; expected ", expected);
  };
  need(o.max_iter > 0, "max_iter", o.max_iter, "> 0");
  need(o.ims_per_batch > 0, "ims_per_batch", o.ims_per_batch, "> 0");
  need(o.grad_accum_steps > 0, "grad_accum_steps", o.grad_accum_steps, "> 0");
  need(o.base_lr >= 0, "base_lr", o.base_lr, ">= 0");
  need(o.lang_lr >= 0, "lang_lr", o.lang_lr, ">= 0");
  need(o.weight_decay >= 0, "weight_decay", o.weight_decay, ">= 0");
  need(o.beta1 >= 0 && o.beta1 < 1, "beta1", o.beta1, "in [0, 1)");
  need(o.beta2 >= 0 && o.beta2 < 1, "beta2", o.beta2, "in [0, 1)");
  need(o.eps > 0, "eps", o.eps, "> 0");
  need(o.warmup_iters >= 0, "warmup_iters", o.warmup_iters, ">= 0");
  need(o.model_ema >= 0 && o.model_ema < 1, "model_ema", o.model_ema, "in [0, 1)");
  need(!o.clip_gradients_enabled || o.clip_value > 0, "clip_gradients.clip_value", o.clip_value, "> 0");
  need(o.checkpoint_period > 0, "checkpoint_period", o.checkpoint_period, "> 0");
  need(o.checkpoint_keep > 0, "checkpoint_keep", o.checkpoint_keep, "> 0");
  need(o.log_period > 0, "log_period", o.log_period, "> 0");
  need(o.eval_period >= 0, "eval_period", o.eval_period, ">= 0");
  need(o.ims_per_batch % o.grad_accum_steps == 0, "ims_per_batch", o.ims_per_batch,
       "a multiple of solver.grad_accum_steps");
  int64_t prev = -1;
  for (int64_t m : milestone_iters(o)) {
    GLIP_CHECK_INPUT(m >= prev, what, ": key 'solver.steps' must be increasing");
    prev = m;
  }
}

void apply_tuning_defaults(SolverOptions& o) {
  if (o.tuning_highlevel_override == "language_prompt_v2") {
    if (!o.explicit_keys.count("base_lr")) o.base_lr = 0.05;
    if (!o.explicit_keys.count("weight_decay")) o.weight_decay = 0.25;
  }
}

std::vector<int64_t> milestone_iters(const SolverOptions& o) {
  std::vector<int64_t> out;
  for (double s : o.steps) {
    out.push_back(s < 1 ? static_cast<int64_t>(std::nearbyint(s * static_cast<double>(o.max_iter)))
                        : static_cast<int64_t>(s));
  }
  return out;
}

}  // namespace glip::engine
