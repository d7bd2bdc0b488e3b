#include "glip/engine/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <torch/version.h>

#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/engine/amp.h"
#include "glip/engine/checkpoint.h"
#include "glip/engine/ema.h"
#include "glip/engine/grad_sync.h"
#include "glip/engine/optimizer.h"
#include "glip/engine/schedule.h"
#include "glip/engine/tuning.h"
#include "glip/io/safetensors.h"
#include "glip/io/state_dict.h"

namespace glip::engine {

std::string TrainTask::describe_samples(const std::vector<int64_t>& idx) const {
  std::string s = "dataset indices [";
  for (size_t i = 0; i < idx.size(); ++i) s += (i ? ", " : "") + std::to_string(idx[i]);
  return s + "]";
}

namespace {
using Named = std::vector<std::pair<std::string, at::Tensor>>;

Named named_state_of(torch::nn::Module& m) {
  Named out;
  for (const auto& kv : m.named_parameters()) out.emplace_back(kv.key(), kv.value());
  for (const auto& kv : m.named_buffers()) out.emplace_back(kv.key(), kv.value());
  return out;
}

std::map<std::string, at::Tensor> with_prefix(const std::string& prefix, const std::map<std::string, at::Tensor>& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, v] : m) out[prefix + k] = v;
  return out;
}

std::map<std::string, at::Tensor> strip_prefix(const std::string& prefix, const std::map<std::string, at::Tensor>& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, v] : m)
    if (k.rfind(prefix, 0) == 0) out[k.substr(prefix.size())] = v;
  return out;
}
}  // namespace

struct Trainer::Impl {
  TrainTask& task;
  TrainerOptions o;
  std::shared_ptr<Comm> comm;
  Named state;  // parameters + buffers
  std::vector<at::Tensor> trainable;
  std::unique_ptr<AdamW> opt;
  LrSchedule sched;
  WeightDecaySchedule wd_sched;
  std::unique_ptr<AutoStepSchedule> autostep;  // solver.use_autostep
  std::unique_ptr<ModelEma> ema;
  GradScaler scaler;
  std::unique_ptr<GradSync> sync;
  CheckpointManager ckpt;
  StreamSampler sampler;
  std::vector<std::shared_ptr<TrainHook>> hooks;
  int64_t iter = 0;
  int64_t skipped = 0;

  Impl(TrainTask& t, TrainerOptions opts, std::shared_ptr<Comm> c)
      : task(t),
        o(std::move(opts)),
        comm(std::move(c)),
        sched(o.solver),
        wd_sched(o.solver),
        autostep(o.solver.use_autostep ? std::make_unique<AutoStepSchedule>(o.solver) : nullptr),
        scaler(o.solver.use_amp && o.device.is_cuda() && o.solver.amp_dtype == "fp16"),
        ckpt(o.work_dir, o.solver.checkpoint_keep),
        sampler(t.dataset_size(), o.solver.ims_per_batch, o.solver.grad_accum_steps, comm->world_size(), o.solver.seed,
                o.shuffle) {}

  void save_checkpoint();
  void resume_from_checkpoint();
  StepStats step();
  /** LR of a group with `base` for the optimiser step of 0-based iteration `it`. */
  double lr_at(double base, int64_t it) const { return autostep ? autostep->lr(base) : sched.lr(base, it); }
};

namespace {
nlohmann::json autostep_json(const AutoStepSchedule::State& a) {
  nlohmann::json j = {{"last_epoch", a.last_epoch},
                      {"warmup", a.warmup},
                      {"num_bad_epochs", a.num_bad_epochs},
                      {"reductions", a.reductions}};
  j["best"] = std::isfinite(a.best) ? nlohmann::json(a.best) : nlohmann::json(nullptr);  // -inf: none yet
  return j;
}
AutoStepSchedule::State autostep_state(const nlohmann::json& j) {
  AutoStepSchedule::State a;
  a.last_epoch = j.at("last_epoch").get<int64_t>();
  a.warmup = j.at("warmup").get<double>();
  a.num_bad_epochs = j.at("num_bad_epochs").get<int64_t>();
  a.reductions = j.at("reductions").get<int64_t>();
  if (!j.at("best").is_null()) a.best = j.at("best").get<double>();
  return a;
}
}  // namespace

Trainer::Trainer(TrainTask& task, TrainerOptions opts, std::shared_ptr<Comm> comm) {
  if (opts.solver.max_epoch > 0) {
    // Official build.py: MAX_ITER = MAX_EPOCH * len(dataset) // IMS_PER_BATCH.
    const int64_t positions = task.dataset_size();
    const int64_t iters = opts.solver.max_epoch * positions / std::max<int64_t>(opts.solver.ims_per_batch, 1);
    GLIP_CHECK_INPUT(iters > 0, "solver.max_epoch=", opts.solver.max_epoch, " gives no step: ", positions,
                     " positions per epoch, solver.ims_per_batch=", opts.solver.ims_per_batch);
    GLIP_LOG_INFO("[engine] solver.max_epoch {}: {} positions per epoch, {} images per step: max_iter {}",
                  opts.solver.max_epoch, positions, opts.solver.ims_per_batch, iters);
    opts.solver.max_iter = iters;
  }
  validate_solver_options(opts.solver, "solver options");
  if (opts.solver.weight_decay_schedule && (opts.solver.use_cosine || opts.solver.use_autostep)) {
    GLIP_LOG_WARN(
        "[engine] solver.weight_decay_schedule follows the multistep milestones; with {} it does nothing "
        "(as official)",
        opts.solver.use_cosine ? "use_cosine" : "use_autostep");
  }
  GLIP_CHECK_INPUT(!opts.work_dir.empty(), "the training work folder is empty");
  if (opts.solver.use_amp && !opts.device.is_cuda()) {
    GLIP_LOG_WARN("[engine] solver.use_amp is on but the device is {}: AMP is CUDA-only, training in fp32",
                  opts.device.str());
  }
  impl_ = std::make_unique<Impl>(task, std::move(opts), std::move(comm));
  Impl& m = *impl_;
  torch::nn::Module& model = task.model();
  model.to(m.o.device);
  model.train();
  m.state = named_state_of(model);
  Named params;
  for (const auto& kv : model.named_parameters()) params.emplace_back(kv.key(), kv.value());
  apply_training_mode(params, m.o.solver.tuning_highlevel_override, m.o.freeze_conv_body_at);
  // Frozen parts run as in evaluation (official GeneralizedVLRCNN.train()): no dropout, drop-path or DropBlock.
  set_frozen_modules_eval(model, m.o.solver.tuning_highlevel_override, m.o.freeze_conv_body_at);
  // Every rank starts from rank 0's weights (as DDP does).
  if (m.comm->world_size() > 1) {
    std::vector<at::Tensor> all;
    for (auto& kv : m.state) all.push_back(kv.second.detach());
    m.comm->broadcast(all, 0);
  }
  auto specs = build_param_specs(params, m.o.solver);
  for (const auto& s : specs) m.trainable.push_back(s.param);
  m.opt = std::make_unique<AdamW>(std::move(specs), m.o.solver.beta1, m.o.solver.beta2, m.o.solver.eps);
  if (m.o.solver.model_ema > 0) m.ema = std::make_unique<ModelEma>(m.state, m.o.solver.model_ema);
  m.sync = std::make_unique<GradSync>(m.comm, m.trainable);
  if (m.comm->rank() == 0) m.ckpt.remove_stale_temp_files();
  const auto latest = m.ckpt.latest_iteration();
  GLIP_CHECK_INPUT(!latest || m.o.resume, "work folder '", m.o.work_dir, "' already holds checkpoint ", *latest,
                   " (last_checkpoint); pass --resume to continue it or choose another --work-dir");
  if (latest) m.resume_from_checkpoint();
}

Trainer::~Trainer() = default;

void Trainer::add_hook(std::shared_ptr<TrainHook> hook) { impl_->hooks.push_back(std::move(hook)); }
int Trainer::rank() const { return impl_->comm->rank(); }
int Trainer::world_size() const { return impl_->comm->world_size(); }
const TrainerOptions& Trainer::options() const { return impl_->o; }
TrainTask& Trainer::task() { return impl_->task; }
int64_t Trainer::iteration() const { return impl_->iter; }

void Trainer::report_eval_metric(double value) {
  Impl& m = *impl_;
  if (!m.autostep) return;
  if (m.comm->world_size() > 1) {
    // do_train: all_gather(eval_result)[0], rank 0's result on every rank.
    std::vector<at::Tensor> t{at::tensor({value}, at::kDouble).to(m.o.device)};
    m.comm->broadcast(t, 0);
    value = t[0].cpu().item<double>();
  }
  const double before = m.autostep->lr(m.o.solver.base_lr);
  if (m.autostep->step(value)) {
    GLIP_LOG_INFO(
        "[engine] autostep: the metric ({:.4f}; best {:.4f}) has not improved for more than {} evaluations:"
        " LR {:.3e} -> {:.3e}",
        value, m.autostep->state().best, m.o.solver.step_patience, before, m.autostep->lr(m.o.solver.base_lr));
  }
}

std::map<std::string, at::Tensor> Trainer::model_state(bool ema) const {
  if (ema && impl_->ema) return impl_->ema->state();
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, v] : impl_->state) out[k] = v.detach();
  return out;
}

void Trainer::Impl::resume_from_checkpoint() {
  auto c = ckpt.load_latest();
  const std::string what = str_cat("checkpoint ", c->iteration, " in '", o.work_dir, "'");
  at::NoGradGuard no_grad;
  for (auto& [name, t] : state) {
    const auto it = c->model.find(name);
    GLIP_CHECK_INPUT(it != c->model.end(), what, ": tensor '", name, "' is missing");
    GLIP_CHECK_INPUT(it->second.sizes() == t.sizes(), what, ": tensor '", name, "' has shape ", it->second.sizes(),
                     ", the model has ", t.sizes());
    const std::string bad = io::nonfinite_problem(name, it->second);
    GLIP_CHECK_INPUT(bad.empty(), what, ": ", bad);
    t.copy_(it->second);
  }
  const auto opt_state = strip_prefix("optimizer.", c->train_state);
  GLIP_CHECK_INPUT(!opt_state.empty() || c->iteration == 0, what,
                   ": the training state has no optimizer state (an emptied or foreign train_*.safetensors)");
  opt->load_state_dict(opt_state, what);
  if (ema) ema->load(strip_prefix("ema.", c->train_state), what);
  const auto rng = comm->rank() == 0 ? c->train_state : ckpt.load_rank_state(c->iteration, comm->rank());
  restore_rng_states(rng);
  nlohmann::json rec;
  try {
    rec = nlohmann::json::parse(c->record_json);
    iter = rec.at("iteration").get<int64_t>();
    skipped = rec.value("skipped_steps", int64_t{0});
    scaler.load_state({{"scale", rec.at("scaler").at("scale").get<double>()},
                       {"growth_tracker", rec.at("scaler").at("growth_tracker").get<double>()}});
  } catch (const nlohmann::json::exception& e) {
    throw InputError(str_cat(what, ": bad record: ", e.what()));
  }
  // The record is a file a user can edit: its numbers must agree with the checkpoint they describe.
  GLIP_CHECK_INPUT(iter == c->iteration, what, ": the record says iteration ", iter, ", the checkpoint files say ",
                   c->iteration);
  GLIP_CHECK_INPUT(skipped >= 0 && skipped <= iter, what, ": 'skipped_steps' ", skipped, " is not in [0, ", iter, "]");
  if (autostep) {
    const nlohmann::json* a = nullptr;
    if (rec.contains("scheduler") && rec["scheduler"].is_object() && rec["scheduler"].contains("autostep"))
      a = &rec["scheduler"]["autostep"];
    if (a != nullptr) {
      try {
        autostep->set_state(autostep_state(*a));
      } catch (const nlohmann::json::exception& e) {
        throw InputError(str_cat(what, ": bad 'scheduler.autostep' in the record: ", e.what()));
      }
      const auto& st = autostep->state();
      GLIP_CHECK_INPUT(st.last_epoch >= 0 && st.num_bad_epochs >= 0 && st.reductions >= 0 && st.warmup > 0, what,
                       ": 'scheduler.autostep' in the record has a negative count or a warmup factor <= 0");
    } else {
      GLIP_LOG_WARN(
          "[engine] {} was trained without solver.use_autostep: autostep starts at iteration {} with no "
          "evaluation seen",
          what, iter);
      autostep->start_at(iter);
    }
  }
  GLIP_CHECK_INPUT(rec.value("ims_per_batch", o.solver.ims_per_batch) == o.solver.ims_per_batch, what,
                   ": it was trained with solver.ims_per_batch=", rec.value("ims_per_batch", 0),
                   ", the config now says ", o.solver.ims_per_batch, " (the data position would not match)");
  GLIP_LOG_INFO("[engine] resumed from {} (iteration {})", what, iter);
}

void Trainer::Impl::save_checkpoint() {
  const int r = comm->rank();
  if (r > 0) ckpt.save_rank_state(iter, r, capture_rng_states());
  comm->barrier();  // rank files first: last_checkpoint never names an incomplete checkpoint
  if (r == 0) {
    Checkpoint c;
    c.iteration = iter;
    for (const auto& [k, v] : state) c.model[k] = v.detach();
    c.train_state = with_prefix("optimizer.", opt->state_dict());
    if (ema) {
      for (const auto& [k, v] : with_prefix("ema.", ema->state())) c.train_state[k] = v;
    }
    for (const auto& [k, v] : capture_rng_states()) c.train_state[k] = v;
    const auto sc = scaler.state();
    nlohmann::json rec = {
        {"iteration", iter},
        {"max_iter", o.solver.max_iter},
        {"world_size", comm->world_size()},
        {"ims_per_batch", o.solver.ims_per_batch},
        {"scheduler",
         {{"last_epoch", iter},
          {"lr_factor", lr_at(1.0, iter)},
          {"weight_decay_factor", wd_sched.weight_decay(1.0, iter)}}},
        {"scaler", {{"scale", sc.at("scale")}, {"growth_tracker", sc.at("growth_tracker")}}},
        {"data", {{"position", iter * o.solver.ims_per_batch}, {"epoch", sampler.epoch_of(iter)}}},
        {"skipped_steps", skipped},
        {"build", {{"torch", TORCH_VERSION}, {"compiler", __VERSION__}}},
        {"config", nlohmann::json::parse(o.config_json, nullptr, false)},
    };
    if (autostep) rec["scheduler"]["autostep"] = autostep_json(autostep->state());
    c.record_json = rec.dump(2);
    if (o.model_metadata) c.model_metadata = o.model_metadata(iter);
    ckpt.save(c);
    GLIP_LOG_INFO("[engine] checkpoint {}", ckpt.model_path(iter));
  }
  comm->barrier();
}

StepStats Trainer::Impl::step() {
  const auto t0 = std::chrono::steady_clock::now();
  const SolverOptions& s = o.solver;
  const int64_t accum = s.grad_accum_steps;
  const bool amp = s.use_amp && o.device.is_cuda();
  const at::ScalarType amp_dtype = s.amp_dtype == "bf16" ? at::kBFloat16 : at::kHalf;
  opt->zero_grad();
  // Everything logged stays on the device until the end of the step: per term a running sum over the
  // micro-batches (double, in micro-batch order: the same numbers the host would add), and per micro-batch a
  // non-finite flag. Rank r writes its flags into its own slot [r * accum, (r + 1) * accum) of a zeroed
  // [world * accum] vector, so that one all-reduce of [terms, flags] averages the terms and tells every rank
  // which micro-batches of which ranks were bad; one host copy reads it all. No .item() inside the loop: a
  // host-device sync per term and micro-batch would stall the GPU, and NCCL reduces only device tensors.
  const int world = comm->world_size();
  const int rank = comm->rank();
  const auto dopts = at::TensorOptions().dtype(at::kDouble).device(o.device);
  std::map<std::string, at::Tensor> local;  // term -> 0-dim double sum over micro-batches of term / accum
  at::Tensor flags = at::zeros({static_cast<int64_t>(world) * accum}, dopts);
  const bool by_position = task.wants_stream_positions();
  const auto samples = [&](int64_t it, int64_t micro) {
    return by_position ? sampler.positions(it, micro, rank) : sampler.indices(it, micro, rank);
  };
  std::vector<std::vector<int64_t>> micro_batches;
  for (int64_t m = 0; m < accum; ++m) micro_batches.push_back(samples(iter, m));
  task.begin_step(micro_batches, *comm);
  for (int64_t m = 0; m < accum; ++m) {
    const auto& idx = micro_batches[static_cast<size_t>(m)];
    const auto next = m + 1 < accum ? samples(iter, m + 1) : samples(iter + 1, 0);
    task.prefetch(next);
    sync->prepare(m == accum - 1);
    LossTerms terms;
    {
      AutocastScope scope(amp, amp_dtype);
      terms = task.losses(idx, iter);
    }
    GLIP_CHECK(!terms.empty(), "[engine] the task returned no loss terms");
    at::Tensor total;
    for (const auto& [k, v] : terms) {
      GLIP_CHECK(v.numel() == 1, "[engine] loss term '", k, "' is not a scalar: shape ", v.sizes());
      const at::Tensor f = v.to(at::kFloat);
      total = total.defined() ? total + f : f;
      const at::Tensor d = v.detach().reshape({}).to(dopts) / static_cast<double>(accum);
      at::Tensor& acc = local[k];
      acc = acc.defined() ? acc + d : d;
    }
    flags.narrow(0, static_cast<int64_t>(rank) * accum + m, 1)
        .copy_(at::isfinite(total.detach()).logical_not().reshape({1}));
    scaler.scale_loss(total / static_cast<double>(accum)).backward();
  }
  sync->finish();
  // Loss terms averaged over ranks and every rank's non-finite flags: one cat, one collective, one host copy.
  std::vector<at::Tensor> parts;
  for (const auto& kv : local) parts.push_back(kv.second.reshape({1}));
  parts.push_back(flags);
  at::Tensor red = at::cat(parts);
  if (world > 1) comm->allreduce_sum(red);
  const at::Tensor host = red.to(at::kCPU).contiguous();
  const double* h = host.data_ptr<double>();
  StepStats st;
  st.max_iter = s.max_iter;
  size_t i = 0;
  for (const auto& kv : local) {
    st.losses[kv.first] = h[i++] / world;
    st.loss += st.losses[kv.first];
  }
  const double* all_flags = h + i;  // [world * accum]; this rank's at rank * accum
  bool local_bad = false, bad_loss = false;
  std::vector<int64_t> bad_samples;
  for (int64_t k = 0; k < static_cast<int64_t>(world) * accum; ++k) {
    if (all_flags[k] == 0) continue;
    bad_loss = true;
    if (k / accum != rank) continue;
    local_bad = true;
    const auto& idx = micro_batches[static_cast<size_t>(k % accum)];
    bad_samples.insert(bad_samples.end(), idx.begin(), idx.end());
  }
  bool bad = bad_loss;
  if (!bad) {
    const bool finite = scaler.unscale_and_check(trainable);  // identical on every rank after averaging
    if (!finite && amp) {
      scaler.update(true);
      st.skipped = true;
    } else if (!finite) {
      bad = true;
    }
  }
  if (bad) {
    if (s.nonfinite_loss == "stop") {
      throw Error(str_cat("[engine] non-finite ", bad_loss ? "loss" : "gradients", " at iteration ", iter + 1, " on ",
                          local_bad ? "this rank" : "another rank", " (rank ", comm->rank(), ")",
                          local_bad ? ": " + task.describe_samples(bad_samples) : std::string(),
                          "; set solver.nonfinite_loss=skip to drop such steps"));
    }
    GLIP_LOG_WARN("[engine] non-finite loss at iteration {}: step skipped{}", iter + 1,
                  local_bad ? " (" + task.describe_samples(bad_samples) + ")" : std::string());
    st.skipped = true;
    ++skipped;
  } else if (!st.skipped) {
    st.grad_norm =
        s.clip_gradients.enabled ? clip_grad_norm(trainable, s.clip_gradients.clip_value) : grad_norm(trainable);
    const int64_t it = iter;
    opt->step([&](double base) { return lr_at(base, it); },
              [&](double base) { return wd_sched.weight_decay(base, it); });
    scaler.update(false);
    if (ema) ema->update(state);
  }
  opt->zero_grad();
  st.lr = lr_at(s.base_lr, iter);
  st.weight_decay = wd_sched.weight_decay(s.weight_decay, iter);
  if (autostep) autostep->step();  // the official scheduler.step() of every iteration, skipped or not
  st.iteration = ++iter;
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  st.images_per_second = static_cast<double>(s.ims_per_batch) / std::max(st.seconds, 1e-9);
  return st;
}

TrainResult Trainer::train() {
  Impl& m = *impl_;
  TrainResult res;
  res.start_iteration = m.iter;
  for (auto& h : m.hooks) h->before_train(*this);
  double seconds = 0.0;
  int64_t steps = 0;
  while (m.iter < m.o.solver.max_iter) {
    const StepStats st = m.step();
    seconds += st.seconds;
    ++steps;
    for (auto& h : m.hooks) h->after_step(*this, st);
    if (m.iter % m.o.solver.checkpoint_period == 0 || m.iter == m.o.solver.max_iter) m.save_checkpoint();
  }
  if (m.comm->rank() == 0) {
    const auto meta = m.o.model_metadata ? m.o.model_metadata(m.iter) : std::map<std::string, std::string>{};
    m.ckpt.save_final(model_state(false), meta);
    if (m.ema) {
      io::save_safetensors((std::filesystem::path(m.o.work_dir) / "model_final_ema.safetensors").string(),
                           model_state(true), meta);
    }
  }
  for (auto& h : m.hooks) h->after_train(*this);
  res.final_iteration = m.iter;
  res.skipped_steps = m.skipped;
  res.images_per_second = steps > 0 ? static_cast<double>(steps * m.o.solver.ims_per_batch) / seconds : 0.0;
  return res;
}

}  // namespace glip::engine
