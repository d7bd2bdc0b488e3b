#include "glip/engine/grad_sync.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <random>

#include "glip/core/error.h"

namespace glip::engine {
namespace {

class ReadyHook : public torch::autograd::FunctionPostHook {
 public:
  ReadyHook(GradSync* owner, size_t index) : owner_(owner), index_(index) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& /*inputs*/) override {
    owner_->mark_ready(index_);
    return outputs;
  }

 private:
  GradSync* owner_;
  size_t index_;
};

}  // namespace

GradSync::GradSync(std::shared_ptr<Comm> comm, std::vector<at::Tensor> params, int64_t bucket_bytes)
    : comm_(std::move(comm)), params_(std::move(params)), bucket_of_(params_.size()), ready_(params_.size()) {
  if (comm_->world_size() == 1) return;  // nothing to average
  // Reverse order: the last parameters' gradients are produced first by backward.
  int64_t bytes = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const int64_t nb = params_[k].numel() * static_cast<int64_t>(params_[k].element_size());
    if (buckets_.empty() || (bytes + nb > bucket_bytes && !buckets_.back().params.empty())) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().params.push_back(k);
    bucket_of_[k] = buckets_.size() - 1;
    bytes += nb;
  }
  for (size_t k = 0; k < params_.size(); ++k) {
    auto acc = torch::autograd::impl::grad_accumulator(params_[k]);
    GLIP_CHECK(acc != nullptr, "[engine] parameter ", k, " is not a leaf that requires grad");
    acc->add_post_hook(std::make_unique<ReadyHook>(this, k));
    accumulators_.push_back(std::move(acc));
  }
}

GradSync::~GradSync() = default;

void GradSync::prepare(bool sync) {
  std::lock_guard<std::mutex> lock(mu_);
  sync_ = sync && !buckets_.empty();
  if (!sync_) return;
  std::fill(ready_.begin(), ready_.end(), false);
  for (auto& b : buckets_) {
    b.pending = b.params.size();
    b.op.reset();
    b.flat = at::Tensor();
  }
  next_launch_ = 0;
  launched_in_backward_ = 0;
}

void GradSync::mark_ready(size_t k) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!sync_ || ready_[k]) return;
  ready_[k] = true;
  --buckets_[bucket_of_[k]].pending;
  const size_t before = next_launch_;
  launch_ready_locked();
  launched_in_backward_ += next_launch_ - before;
}

void GradSync::launch_ready_locked() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) launch(buckets_[next_launch_++]);
}

void GradSync::launch(Bucket& b) {
  // Flattened gradients plus one "defined" flag per parameter, so unused parameters stay undefined.
  std::vector<at::Tensor> parts;
  at::Tensor flags = at::zeros({static_cast<int64_t>(b.params.size())});
  const at::Tensor& first = params_[b.params.front()];
  for (size_t i = 0; i < b.params.size(); ++i) {
    const at::Tensor& p = params_[b.params[i]];
    const at::Tensor& g = p.grad();
    if (g.defined()) {
      parts.push_back(g.detach().reshape({-1}).to(first.scalar_type()));
      flags[static_cast<int64_t>(i)] = 1.0;
    } else {
      parts.push_back(at::zeros({p.numel()}, first.options()));
    }
  }
  parts.push_back(flags.to(first.options()));
  b.flat = at::cat(parts);
  b.op = comm_->allreduce_sum_async(b.flat);
}

void GradSync::finish() {
  if (!sync_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& b : buckets_) b.pending = 0;  // parameters without a gradient this step
    launch_ready_locked();
    sync_ = false;
  }
  at::NoGradGuard no_grad;
  const double inv = 1.0 / comm_->world_size();
  for (auto& b : buckets_) {
    b.op->wait();
    const int64_t nflags = static_cast<int64_t>(b.params.size());
    const at::Tensor flags = b.flat.narrow(0, b.flat.numel() - nflags, nflags).cpu();
    int64_t off = 0;
    for (size_t i = 0; i < b.params.size(); ++i) {
      at::Tensor& p = params_[b.params[i]];
      const int64_t n = p.numel();
      if (flags[static_cast<int64_t>(i)].item<double>() > 0) {
        at::Tensor avg = b.flat.narrow(0, off, n).view(p.sizes()).mul(inv).to(p.scalar_type());
        if (p.grad().defined()) {
          p.mutable_grad().copy_(avg);
        } else {
          p.mutable_grad() = avg;
        }
      }
      off += n;
    }
    b.flat = at::Tensor();
    b.op.reset();
  }
}

StreamSampler::StreamSampler(int64_t dataset_size, int64_t global_batch, int64_t accum_steps, int world_size,
                             int64_t seed, bool shuffle)
    : size_(dataset_size),
      batch_(global_batch),
      accum_(accum_steps),
      world_(world_size),
      seed_(seed),
      shuffle_(shuffle) {
  GLIP_CHECK_INPUT(dataset_size > 0, "the training set is empty");
  GLIP_CHECK_INPUT(global_batch % (accum_steps * world_size) == 0, "solver.ims_per_batch=", global_batch,
                   " must be a multiple of solver.grad_accum_steps (", accum_steps, ") x the number of ranks (",
                   world_size, ")");
  micro_ = global_batch / (accum_steps * world_size);
}

const std::vector<int64_t>& StreamSampler::epoch_perm(int64_t epoch) {
  if (epoch != cached_epoch_) {
    perm_.resize(static_cast<size_t>(size_));
    for (int64_t i = 0; i < size_; ++i) perm_[static_cast<size_t>(i)] = i;
    if (shuffle_) {
      // Fisher-Yates with an explicit generator: the same order on every platform and rank.
      std::mt19937_64 gen(static_cast<uint64_t>(seed_) * 1000003ULL + static_cast<uint64_t>(epoch));
      for (int64_t i = size_ - 1; i > 0; --i) {
        const auto j = static_cast<int64_t>(gen() % static_cast<uint64_t>(i + 1));
        std::swap(perm_[static_cast<size_t>(i)], perm_[static_cast<size_t>(j)]);
      }
    }
    cached_epoch_ = epoch;
  }
  return perm_;
}

std::vector<int64_t> StreamSampler::positions(int64_t iteration, int64_t micro, int rank) const {
  std::vector<int64_t> out;
  const int64_t start = iteration * batch_ + micro * (batch_ / accum_) + rank * micro_;
  for (int64_t k = 0; k < micro_; ++k) out.push_back(start + k);
  return out;
}

std::vector<int64_t> StreamSampler::indices(int64_t iteration, int64_t micro, int rank) {
  std::vector<int64_t> out;
  for (const int64_t pos : positions(iteration, micro, rank))
    out.push_back(epoch_perm(pos / size_)[static_cast<size_t>(pos % size_)]);
  return out;
}

}  // namespace glip::engine
