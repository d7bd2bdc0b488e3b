#include "glip/engine/distributed.h"

#include <torch/cuda.h>

#include <cstdlib>

#include "glip/core/error.h"
#include "glip/core/logging.h"

#ifdef GLIP_HAVE_GLOO
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace glip::engine {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

int env_int(const char* name, int fallback, int min_value) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  GLIP_CHECK_INPUT(end && *end == '\0' && x >= min_value, "environment variable ", name, "='", v,
                   "' is not an integer >= ", min_value);
  return static_cast<int>(x);
}

/** torch writes str(bool): "True" / "False"; 1 / 0 and lower case are taken too. */
bool env_bool(const char* name) {
  const char* v = env(name);
  if (!v) return false;
  const std::string s = v;
  if (s == "True" || s == "true" || s == "1") return true;
  GLIP_CHECK_INPUT(s == "False" || s == "false" || s == "0", "environment variable ", name, "='", s,
                   "' is not True or False");
  return false;
}

/** The first of the variables that is set, else nullptr. */
const char* first_env(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const char* v = env(n)) return v;
  return nullptr;
}

class SingleOp : public PendingOp {
 public:
  void wait() override {}
};

class SingleComm : public Comm {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  std::shared_ptr<PendingOp> allreduce_sum_async(at::Tensor) override { return std::make_shared<SingleOp>(); }
  void broadcast(std::vector<at::Tensor>&, int) override {}
  void barrier() override {}
};

#ifdef GLIP_HAVE_GLOO
[[noreturn]] void fail(const CommOptions& o, int rank, const std::string& what) {
  const std::string msg = str_cat("[engine] rank ", rank, ": collective failed (a peer died or timed out): ", what);
  if (o.exit_on_failure) {
    GLIP_LOG_ERROR("{}", msg);
    std::fflush(nullptr);
    std::_Exit(3);
  }
  throw Error(msg);
}

class C10dOp : public PendingOp {
 public:
  C10dOp(c10::intrusive_ptr<c10d::Work> work, const CommOptions& o, int rank)
      : work_(std::move(work)), o_(o), rank_(rank) {}
  void wait() override {
    try {
      work_->wait(o_.timeout);
    } catch (const std::exception& e) {
      fail(o_, rank_, e.what());
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  CommOptions o_;
  int rank_;
};

class C10dComm : public Comm {
 public:
  C10dComm(c10::intrusive_ptr<c10d::ProcessGroup> pg, const CommOptions& o, int rank, int world)
      : pg_(std::move(pg)), o_(o), rank_(rank), world_(world) {}
  int rank() const override { return rank_; }
  int world_size() const override { return world_; }
  std::shared_ptr<PendingOp> allreduce_sum_async(at::Tensor t) override {
    std::vector<at::Tensor> v{std::move(t)};
    try {
      return std::make_shared<C10dOp>(pg_->allreduce(v), o_, rank_);
    } catch (const std::exception& e) {
      fail(o_, rank_, e.what());
    }
  }
  void broadcast(std::vector<at::Tensor>& tensors, int root) override {
    for (auto& t : tensors) {
      std::vector<at::Tensor> v{t};
      c10d::BroadcastOptions bo;
      bo.rootRank = root;
      try {
        C10dOp(pg_->broadcast(v, bo), o_, rank_).wait();
      } catch (const std::exception& e) {
        fail(o_, rank_, e.what());
      }
    }
  }
  void barrier() override {
    // An all-reduce of one value: works the same on Gloo and NCCL and honours the timeout.
    at::Tensor t = at::zeros({1}, o_.use_cuda ? at::TensorOptions(at::kCUDA) : at::TensorOptions());
    allreduce_sum(t);
  }

 private:
  c10::intrusive_ptr<c10d::ProcessGroup> pg_;
  CommOptions o_;
  int rank_, world_;
};
#endif

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  size_t end = 0;
  int depth = 0;
  for (; end < nodelist.size(); ++end) {
    if (nodelist[end] == '[') ++depth;
    if (nodelist[end] == ']') --depth;
    if (nodelist[end] == ',' && depth == 0) break;
  }
  const std::string first = nodelist.substr(0, end);
  const size_t lb = first.find('[');
  if (lb == std::string::npos) return first;
  const size_t rb = first.find(']', lb);
  GLIP_CHECK_INPUT(rb != std::string::npos, "SLURM node list '", nodelist, "': '[' without ']'");
  const std::string inside = first.substr(lb + 1, rb - lb - 1);
  // A range may be followed by more name and more ranges ("rack[1-2]-node[01-04]"): the first of each.
  return first.substr(0, lb) + inside.substr(0, inside.find_first_of(",-")) + first_slurm_host(first.substr(rb + 1));
}

int local_cuda_device(const DistEnv& e, int visible) {
  const char* cvd = env("CUDA_VISIBLE_DEVICES");
  GLIP_CHECK_INPUT(visible > 0, "rank ", e.rank, " (local rank ", e.local_rank,
                   ") wants a CUDA device but none is visible (CUDA_VISIBLE_DEVICES='", cvd ? cvd : "", "')");
  return e.local_rank % visible;
}

at::Device rank_device(const at::Device& resolved, const DistEnv& e) {
  if (!resolved.is_cuda() || e.world_size == 1) return resolved;
  const int visible = static_cast<int>(torch::cuda::device_count());
  return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(local_cuda_device(e, visible)));
}

std::string store_prefix(const DistEnv& e) {
  return e.agent_store ? "/worker/attempt_" + std::to_string(e.restart_count) : "";
}

DistEnv dist_env_from_environment() {
  DistEnv e;
  if (env("WORLD_SIZE") || env("RANK")) {
    e.source = "torchrun";
    e.world_size = env_int("WORLD_SIZE", 1, 1);
    e.rank = env_int("RANK", 0, 0);
    e.local_rank = env_int("LOCAL_RANK", e.rank, 0);
    // torchrun's static rendezvous (its default --rdzv_backend): the agent already serves a TCPStore on
    // MASTER_ADDR:MASTER_PORT, so rank 0 must not start one; torch/distributed/rendezvous.py, _create_c10d_store.
    e.agent_store = env_bool("TORCHELASTIC_USE_AGENT_STORE");
    if (e.agent_store) {
      for (const char* v : {"MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RESTART_COUNT"})
        GLIP_CHECK_INPUT(env(v), "TORCHELASTIC_USE_AGENT_STORE=True but ", v,
                         " is not set (the torchrun agent sets all three: was this process started by torchrun?)");
      e.restart_count = env_int("TORCHELASTIC_RESTART_COUNT", 0, 0);
    }
  } else if (env("SLURM_NTASKS") && env("SLURM_PROCID")) {
    e.source = "slurm";
    e.world_size = env_int("SLURM_NTASKS", 1, 1);
    e.rank = env_int("SLURM_PROCID", 0, 0);
    e.local_rank = env_int("SLURM_LOCALID", 0, 0);
    // srun starts task 0 on the first node of its step (block distribution, the default).
    if (const char* nodes = first_env({"SLURM_STEP_NODELIST", "SLURM_NODELIST", "SLURM_JOB_NODELIST"}))
      e.master_addr = first_slurm_host(nodes);
    // Two jobs sharing a node get different ports: 15000 + the job id's last 4 digits (as PyTorch Lightning).
    if (const char* job = env("SLURM_JOB_ID")) {
      const std::string id = job;
      GLIP_CHECK_INPUT(id.find_first_not_of("0123456789") == std::string::npos, "environment variable SLURM_JOB_ID='",
                       id, "' is not a job number");
      e.master_port = 15000 + std::stoi(id.substr(id.size() > 4 ? id.size() - 4 : 0));
    }
  }
  if (const char* a = env("MASTER_ADDR")) e.master_addr = a;
  e.master_port = env_int("MASTER_PORT", e.master_port, 1);
  GLIP_CHECK_INPUT(e.master_port < 65536, "environment variable MASTER_PORT=", e.master_port, " is not a port");
  if (const char* f = env("GLIP_INIT_FILE")) e.init_file = f;
  GLIP_CHECK_INPUT(e.rank < e.world_size, "rank ", e.rank, " (from ", e.source,
                   " variables) is not below the world size ", e.world_size);
  return e;
}

std::shared_ptr<Comm> make_single_process_comm() { return std::make_shared<SingleComm>(); }

std::shared_ptr<Comm> init_comm(const DistEnv& e, const CommOptions& o) {
  if (e.world_size == 1) return make_single_process_comm();
#ifdef GLIP_HAVE_GLOO
  c10::intrusive_ptr<c10d::Store> store;
  if (!e.init_file.empty()) {
    store = c10::make_intrusive<c10d::FileStore>(e.init_file, e.world_size);
  } else {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(e.master_port);
    so.isServer = !e.agent_store && e.rank == 0;  // under the agent's store every rank is a client
    so.numWorkers = static_cast<size_t>(e.world_size);
    so.waitWorkers = !e.agent_store;
    so.timeout = o.timeout;
    try {
      store = c10::make_intrusive<c10d::TCPStore>(e.master_addr, so);
    } catch (const std::exception& ex) {
      throw Error(str_cat("[engine] rank ", e.rank, ": rendezvous at ", e.master_addr, ":", e.master_port,
                          e.agent_store ? " (the torchrun agent's store)" : "", " failed: ", ex.what(),
                          so.isServer ? " (rank 0 serves the store there: is MASTER_PORT taken by another job?)" : ""));
    }
    // The agent's store outlives the workers: a restart's keys must not meet the dead attempt's.
    if (e.agent_store) store = c10::make_intrusive<c10d::PrefixStore>(store_prefix(e), store);
  }
  store->setTimeout(o.timeout);
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  if (o.use_cuda) {
#ifdef USE_C10D_NCCL
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = o.timeout;
    pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, e.rank, e.world_size, opts);
#else
    throw Error("[engine] CUDA training on several ranks needs a LibTorch built with NCCL (USE_C10D_NCCL)");
#endif
  } else {
    auto opts = c10d::ProcessGroupGloo::Options::create(o.timeout);
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME")) {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    } else {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    opts->threads = 2;
    pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, e.rank, e.world_size, opts);
  }
  GLIP_LOG_INFO("[engine] rank {}/{} joined ({} rendezvous, {}{})", e.rank, e.world_size, e.source,
                e.init_file.empty() ? e.master_addr + ":" + std::to_string(e.master_port) : e.init_file,
                e.agent_store ? ", the agent's store, keys under " + store_prefix(e) : "");
  return std::make_shared<C10dComm>(pg, o, e.rank, e.world_size);
#else
  (void)o;
  throw Error(str_cat("[engine] WORLD_SIZE=", e.world_size,
                      " but glip was built without c10d Gloo (install libgloo-dev and rebuild)"));
#endif
}

}  // namespace glip::engine
