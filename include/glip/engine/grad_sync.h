/**
 * Gradient averaging for data parallel training, overlapped with backward (the scheme of PyTorch DDP's
 * reducer): parameters are put in buckets in reverse registration order (roughly the order their gradients
 * become ready); a post-hook on each parameter's gradient accumulator marks it ready, and when a bucket is
 * full its flattened gradients are all-reduced asynchronously (buckets are launched in index order on every
 * rank, so collectives match). finish() launches what is left, waits, divides by the world size and writes
 * the averages back. A gradient left undefined on every rank stays undefined. A parameter that gets no
 * gradient holds its bucket (and the later ones) back until finish(): correct, but without overlap.
 */
#pragma once
#include <ATen/ATen.h>

#include <memory>
#include <mutex>
#include <vector>

#include "glip/engine/distributed.h"

namespace torch::autograd {
struct Node;
}

namespace glip::engine {

class GradSync {
 public:
  GradSync(std::shared_ptr<Comm> comm, std::vector<at::Tensor> params, int64_t bucket_bytes = 25 << 20);
  ~GradSync();
  GradSync(const GradSync&) = delete;
  GradSync& operator=(const GradSync&) = delete;

  /** Before each backward: `sync` is true only for the last micro-batch of an optimiser step. */
  void prepare(bool sync);
  /** After the last backward: completes the averaging. */
  void finish();

  size_t num_buckets() const { return buckets_.size(); }
  /** Buckets launched from inside backward (not by finish()) in the last step: the overlap actually achieved. */
  size_t launched_during_backward() const { return launched_in_backward_; }

  /** Called by the accumulator hooks. */
  void mark_ready(size_t param_index);

 private:
  struct Bucket {
    std::vector<size_t> params;
    size_t pending = 0;
    at::Tensor flat;
    std::shared_ptr<PendingOp> op;
  };
  void launch_ready_locked();
  void launch(Bucket& b);

  std::shared_ptr<Comm> comm_;
  std::vector<at::Tensor> params_;
  std::vector<size_t> bucket_of_;
  std::vector<Bucket> buckets_;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;
  std::vector<bool> ready_;
  std::mutex mu_;
  bool sync_ = false;
  size_t next_launch_ = 0;
  size_t launched_in_backward_ = 0;
};

/**
 * Deterministic assignment of dataset samples to iterations, micro-batches and ranks: the samples form an
 * endless stream of epochs, each a permutation seeded by (seed, epoch) (or in order when not shuffling).
 * Global batch `it` is stream positions [it * B, (it + 1) * B); micro-batch m of rank r takes its share
 * [m * B/A + r * B/(A W), ...) of it. So 1 and N ranks see the same global batches, and resuming at an
 * iteration is exact (the data position is it * B).
 */
class StreamSampler {
 public:
  StreamSampler(int64_t dataset_size, int64_t global_batch, int64_t accum_steps, int world_size, int64_t seed,
                bool shuffle);
  int64_t per_rank_micro_batch() const { return micro_; }
  /** Dataset indices of micro-batch `micro` of `rank` at iteration `iteration`. */
  std::vector<int64_t> indices(int64_t iteration, int64_t micro, int rank);
  /** Global stream positions of that micro-batch (what indices() looks up in the per-epoch permutations). */
  std::vector<int64_t> positions(int64_t iteration, int64_t micro, int rank) const;
  int64_t epoch_of(int64_t iteration) const { return iteration * batch_ / size_; }

 private:
  const std::vector<int64_t>& epoch_perm(int64_t epoch);
  int64_t size_, batch_, accum_, micro_;
  int world_;
  int64_t seed_;
  bool shuffle_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> perm_;
};

}  // namespace glip::engine
