/**
 * Distributed data parallel plumbing on c10d: rendezvous from the torchrun variables (RANK, WORLD_SIZE,
 * LOCAL_RANK, MASTER_ADDR, MASTER_PORT, through a TCPStore; under the torchrun agent's own store,
 * TORCHELASTIC_USE_AGENT_STORE=True, every rank is a client of it and keys go under
 * /worker/attempt_<TORCHELASTIC_RESTART_COUNT>, as torch's init_process_group does), SLURM's (SLURM_PROCID,
 * SLURM_NTASKS, SLURM_LOCALID, first host of the step's or job's node list, a port from SLURM_JOB_ID) or a
 * shared file (GLIP_INIT_FILE, c10d FileStore);
 * ProcessGroupGloo on CPU and ProcessGroupNCCL on CUDA (when LibTorch was built with it).
 * A collective that fails (a rank died, a timeout) ends the process with exit code 3 by default, so that no
 * rank hangs on a dead peer.
 */
#pragma once
#include <ATen/ATen.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace glip::engine {

struct DistEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string init_file;          // GLIP_INIT_FILE: FileStore rendezvous instead of TCP
  std::string source = "single";  // single | torchrun | slurm
  bool agent_store = false;       // TORCHELASTIC_USE_AGENT_STORE=True: the torchrun agent serves the store
  int restart_count = 0;          // TORCHELASTIC_RESTART_COUNT: the agent's attempt (its store outlives the workers)
};

/** The key prefix of the rank's rendezvous in the store: "/worker/attempt_N" under the agent's store, else "". */
std::string store_prefix(const DistEnv& env);

/** Reads the environment (torchrun variables first, then SLURM); errors name the variable and its value. */
DistEnv dist_env_from_environment();

/**
 * The CUDA device of the rank among the `visible` ones: its local rank, modulo their number when fewer are visible
 * (srun --gpus-per-task=1 leaves each task one device, cuda:0). InputError when none is visible.
 */
int local_cuda_device(const DistEnv& env, int visible);

/** The rank's device: a CUDA `resolved` becomes cuda:local_cuda_device(...) when several ranks run; else unchanged. */
at::Device rank_device(const at::Device& resolved, const DistEnv& env);

/** First host name of a SLURM node list ("gpu[03-05,9],cpu1" -> "gpu03", "r[2-3]n[1-4]" -> "r2n1"). */
std::string first_slurm_host(const std::string& nodelist);

/** An asynchronous collective in flight. */
class PendingOp {
 public:
  virtual ~PendingOp() = default;
  virtual void wait() = 0;
};

/** The collectives the trainer needs. Sums are in place. */
class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual std::shared_ptr<PendingOp> allreduce_sum_async(at::Tensor t) = 0;
  virtual void broadcast(std::vector<at::Tensor>& tensors, int root) = 0;
  virtual void barrier() = 0;
  void allreduce_sum(const at::Tensor& t) { allreduce_sum_async(t)->wait(); }
};

struct CommOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  bool use_cuda = false;        // NCCL instead of Gloo
  bool exit_on_failure = true;  // std::_Exit(3) when a collective fails, instead of throwing
};

/** A world of one: every collective is the identity. */
std::shared_ptr<Comm> make_single_process_comm();

/** Joins the process group described by `env` (world_size 1 gives make_single_process_comm()). */
std::shared_ptr<Comm> init_comm(const DistEnv& env, const CommOptions& opts);

}  // namespace glip::engine
