// Data parallel: environment parsing, bucketed gradient averaging overlapped with backward, the sampler,
// 2 processes (Gloo over TCP) against 1 process with the same global batch, and a dying rank.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "child_process.h"
#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/engine/grad_sync.h"
#include "glip/io/safetensors.h"
#include "toy_task.h"

#ifdef GLIP_HAVE_GLOO
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace glip::engine {
namespace {

// Sets `vars` for its lifetime, with every other launcher variable unset (ctest itself may run under srun or
// torchrun), and puts the environment back afterwards.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::map<std::string, std::string> vars) {
    for (const char* k :
         {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "GLIP_INIT_FILE",
          "TORCHELASTIC_USE_AGENT_STORE", "TORCHELASTIC_RESTART_COUNT", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID",
          "SLURM_NODELIST", "SLURM_JOB_NODELIST", "SLURM_STEP_NODELIST", "SLURM_JOB_ID"}) {
      if (const char* v = std::getenv(k)) saved_[k] = v;
      ::unsetenv(k);
      vars.emplace(k, "");  // unset again at the end
    }
    for (const auto& [k, v] : vars)
      if (!v.empty()) ::setenv(k.c_str(), v.c_str(), 1);
    vars_ = std::move(vars);
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : vars_) ::unsetenv(k.c_str());
    for (const auto& [k, v] : saved_) ::setenv(k.c_str(), v.c_str(), 1);
  }

 private:
  std::map<std::string, std::string> vars_, saved_;
};

TEST(DistEnv, TorchrunSlurmAndErrors) {
  EXPECT_EQ(first_slurm_host("gpu[03-05,9],cpu1"), "gpu03");
  EXPECT_EQ(first_slurm_host("node7,node8"), "node7");
  EXPECT_EQ(first_slurm_host("a[1,4]"), "a1");
  {
    ScopedEnv e({{"RANK", "1"},
                 {"WORLD_SIZE", "4"},
                 {"LOCAL_RANK", "1"},
                 {"MASTER_ADDR", "10.0.0.2"},
                 {"MASTER_PORT", "1234"}});
    const DistEnv d = dist_env_from_environment();
    EXPECT_EQ(d.source, "torchrun");
    EXPECT_EQ(d.rank, 1);
    EXPECT_EQ(d.world_size, 4);
    EXPECT_EQ(d.master_addr, "10.0.0.2");
    EXPECT_EQ(d.master_port, 1234);
  }
  {
    ScopedEnv e(
        {{"SLURM_PROCID", "3"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "1"}, {"SLURM_NODELIST", "gpu[10-11]"}});
    const DistEnv d = dist_env_from_environment();
    EXPECT_EQ(d.source, "slurm");
    EXPECT_EQ(d.rank, 3);
    EXPECT_EQ(d.local_rank, 1);
    EXPECT_EQ(d.master_addr, "gpu10");
  }
  {
    ScopedEnv e({{"RANK", "2"}, {"WORLD_SIZE", "2"}});
    EXPECT_THROW(dist_env_from_environment(), InputError);
  }
  {
    ScopedEnv e({});
    EXPECT_EQ(dist_env_from_environment().source, "single");
    EXPECT_EQ(dist_env_from_environment().world_size, 1);
  }
  {
    ScopedEnv e(std::map<std::string, std::string>{{"WORLD_SIZE", "two"}});
    EXPECT_THROW(dist_env_from_environment(), InputError);
  }
}

// What torchrun 1.13 gives each worker (torch/distributed/elastic/agent/server/local_elastic_agent.py,
// _start_workers) under its default static rendezvous: the agent serves the store on MASTER_PORT.
std::map<std::string, std::string> torchrun_worker_env(int rank, int port, int restart, const std::string& use_agent) {
  return {{"LOCAL_RANK", std::to_string(rank)},
          {"RANK", std::to_string(rank)},
          {"GROUP_RANK", "0"},
          {"ROLE_RANK", std::to_string(rank)},
          {"ROLE_NAME", "default"},
          {"LOCAL_WORLD_SIZE", "2"},
          {"WORLD_SIZE", "2"},
          {"GROUP_WORLD_SIZE", "1"},
          {"ROLE_WORLD_SIZE", "2"},
          {"MASTER_ADDR", "127.0.0.1"},
          {"MASTER_PORT", std::to_string(port)},
          {"TORCHELASTIC_RESTART_COUNT", std::to_string(restart)},
          {"TORCHELASTIC_MAX_RESTARTS", "3"},
          {"TORCHELASTIC_RUN_ID", "none"},
          {"TORCHELASTIC_USE_AGENT_STORE", use_agent},
          {"NCCL_ASYNC_ERROR_HANDLING", "1"}};
}

TEST(DistEnv, TorchrunAgentStoreVariables) {
  {
    ScopedEnv e(torchrun_worker_env(1, 29400, 2, "True"));
    const DistEnv d = dist_env_from_environment();
    EXPECT_EQ(d.source, "torchrun");
    EXPECT_EQ(d.rank, 1);
    EXPECT_EQ(d.world_size, 2);
    EXPECT_EQ(d.master_port, 29400);
    EXPECT_TRUE(d.agent_store);
    EXPECT_EQ(d.restart_count, 2);
    // torch/distributed/rendezvous.py, _create_c10d_store: PrefixStore(f"/worker/attempt_{attempt}", tcp_store).
    EXPECT_EQ(store_prefix(d), "/worker/attempt_2");
  }
  {
    // Other rendezvous backends (c10d, etcd): rank 0 serves the store itself, no prefix.
    ScopedEnv e(torchrun_worker_env(0, 29400, 0, "False"));
    const DistEnv d = dist_env_from_environment();
    EXPECT_FALSE(d.agent_store);
    EXPECT_EQ(store_prefix(d), "");
  }
  {
    auto vars = torchrun_worker_env(0, 29400, 0, "yes");
    ScopedEnv e(vars);
    EXPECT_THROW(dist_env_from_environment(), InputError);
  }
  for (const char* missing : {"MASTER_PORT", "TORCHELASTIC_RESTART_COUNT"}) {
    auto vars = torchrun_worker_env(0, 29400, 0, "True");
    vars.erase(missing);
    ScopedEnv e(vars);
    try {
      dist_env_from_environment();
      ADD_FAILURE() << "no error without " << missing;
    } catch (const InputError& err) {
      EXPECT_NE(std::string(err.what()).find(missing), std::string::npos) << err.what();
    }
  }
}

// sbatch + srun as a 4-node job would set them; the master is the first node of the step, the port follows the job.
TEST(DistEnv, SimulatedSlurmJob) {
  EXPECT_EQ(first_slurm_host("node[01-03,07]"), "node01");
  EXPECT_EQ(first_slurm_host("node[07,01-03]"), "node07");  // Slurm keeps the order it is given
  EXPECT_EQ(first_slurm_host("rack[2-3]-n[04-05],login1"), "rack2-n04");
  EXPECT_EQ(first_slurm_host("gpu-a100-[0012-0013]"), "gpu-a100-0012");
  EXPECT_THROW(first_slurm_host("node[01-03"), InputError);
  const std::map<std::string, std::string> job = {{"SLURM_JOB_ID", "4711"}, {"SLURM_JOB_NODELIST", "node[01-03,07]"},
                                                  {"SLURM_NTASKS", "16"},   {"SLURM_PROCID", "13"},
                                                  {"SLURM_LOCALID", "1"},   {"SLURM_NODEID", "3"}};
  {
    ScopedEnv e(job);
    const DistEnv d = dist_env_from_environment();
    EXPECT_EQ(d.source, "slurm");
    EXPECT_EQ(d.rank, 13);
    EXPECT_EQ(d.world_size, 16);
    EXPECT_EQ(d.local_rank, 1);
    EXPECT_EQ(d.master_addr, "node01");
    EXPECT_EQ(d.master_port, 15000 + 4711);
    EXPECT_FALSE(d.agent_store);
  }
  {
    // srun inside the job: the step's node list names where task 0 runs; job ids past 4 digits keep the last 4.
    auto step = job;
    step["SLURM_STEP_NODELIST"] = "node[02-03,07]";
    step["SLURM_NODELIST"] = "node[01-03,07]";
    step["SLURM_JOB_ID"] = "123456";
    ScopedEnv e(step);
    const DistEnv d = dist_env_from_environment();
    EXPECT_EQ(d.master_addr, "node02");
    EXPECT_EQ(d.master_port, 15000 + 3456);
  }
  {
    // MASTER_ADDR / MASTER_PORT, when exported in the batch script, win.
    auto set = job;
    set["MASTER_ADDR"] = "10.1.2.3";
    set["MASTER_PORT"] = "29555";
    ScopedEnv e(set);
    const DistEnv d = dist_env_from_environment();
    EXPECT_EQ(d.master_addr, "10.1.2.3");
    EXPECT_EQ(d.master_port, 29555);
  }
  {
    // torchrun started by srun (one agent per node): torchrun's variables are the ranks.
    auto both = job;
    for (const auto& [k, v] : torchrun_worker_env(1, 29400, 0, "True")) both[k] = v;
    ScopedEnv e(both);
    EXPECT_EQ(dist_env_from_environment().source, "torchrun");
    EXPECT_EQ(dist_env_from_environment().rank, 1);
  }
  {
    // One GPU per task (--gpus-per-task=1): each sees cuda:0; all eight of a node: its local rank's.
    ScopedEnv e(job);
    const DistEnv d = dist_env_from_environment();
    EXPECT_EQ(local_cuda_device(d, 1), 0);
    EXPECT_EQ(local_cuda_device(d, 8), 1);
    EXPECT_THROW(local_cuda_device(d, 0), InputError);
  }
  for (const auto& [key, bad] : std::map<std::string, std::string>{
           {"SLURM_PROCID", "16"}, {"SLURM_NTASKS", "0"}, {"SLURM_LOCALID", "-1"}, {"SLURM_JOB_ID", "47_1"}}) {
    auto broken = job;
    broken[key] = bad;
    ScopedEnv e(broken);
    try {
      dist_env_from_environment();
      ADD_FAILURE() << "no error for " << key << "=" << bad;
    } catch (const InputError& err) {
      EXPECT_NE(std::string(err.what()).find(key == "SLURM_PROCID" ? "slurm" : key), std::string::npos) << err.what();
    }
  }
}

// A stand-in for a second rank holding the same gradients: the sum over "ranks" is twice the local value.
class MirrorComm : public Comm {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 2; }
  std::shared_ptr<PendingOp> allreduce_sum_async(at::Tensor t) override {
    ++launched;
    t.mul_(2.0);
    return make_single_process_comm()->allreduce_sum_async(t);
  }
  void broadcast(std::vector<at::Tensor>&, int) override {}
  void barrier() override {}
  int launched = 0;
};

TEST(GradSync, BucketsLaunchDuringBackwardAndAverage) {
  torch::manual_seed(0);
  torch::nn::Sequential net(torch::nn::Linear(4, 32), torch::nn::ReLU(), torch::nn::Linear(32, 32), torch::nn::ReLU(),
                            torch::nn::Linear(32, 3));
  at::Tensor unused = torch::zeros({5}, torch::requires_grad());
  // The unused parameter comes first, so it sits in the last bucket (launched by finish()).
  std::vector<at::Tensor> params = {unused};
  for (const auto& p : net->parameters()) params.push_back(p);
  auto comm = std::make_shared<MirrorComm>();
  GradSync sync(comm, params, /*bucket_bytes=*/600);
  EXPECT_GT(sync.num_buckets(), 2u);
  const at::Tensor x = torch::randn({8, 4});
  // Reference gradients without syncing.
  sync.prepare(false);
  net->forward(x).pow(2).mean().backward();
  std::vector<at::Tensor> ref;
  for (size_t i = 1; i < params.size(); ++i) ref.push_back(params[i].grad().clone());
  EXPECT_EQ(comm->launched, 0);
  for (auto& p : params) p.mutable_grad() = at::Tensor();
  sync.prepare(true);
  net->forward(x).pow(2).mean().backward();
  EXPECT_GT(sync.launched_during_backward(), 0u);  // overlapped with backward
  sync.finish();
  EXPECT_EQ(comm->launched, static_cast<int>(sync.num_buckets()));
  for (size_t i = 1; i < params.size(); ++i) EXPECT_ALL_CLOSE(params[i].grad(), ref[i - 1], 0, 0);
  EXPECT_FALSE(unused.grad().defined());
}

TEST(StreamSampler, SameGlobalBatchesForAnyWorldSize) {
  StreamSampler one(10, 4, 1, 1, 5, true), two(10, 4, 1, 2, 5, true), acc(10, 4, 2, 1, 5, true);
  for (int64_t it = 0; it < 7; ++it) {
    auto a = one.indices(it, 0, 0);
    auto b0 = two.indices(it, 0, 0), b1 = two.indices(it, 0, 1);
    b0.insert(b0.end(), b1.begin(), b1.end());
    EXPECT_EQ(a, b0);
    auto c0 = acc.indices(it, 0, 0), c1 = acc.indices(it, 1, 0);
    c0.insert(c0.end(), c1.begin(), c1.end());
    EXPECT_EQ(a, c0);
  }
  // Each epoch visits every sample once.
  std::vector<int64_t> seen;
  for (int64_t it = 0; it < 5; ++it)
    for (auto i : StreamSampler(10, 2, 1, 1, 1, true).indices(it, 0, 0)) seen.push_back(i);
  std::sort(seen.begin(), seen.end());
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i);
  EXPECT_THROW(StreamSampler(10, 3, 1, 2, 0, true), InputError);
}

std::map<std::string, std::string> rank_env(const std::string& dir, int rank, int world, int port, int max_iter) {
  return {{"GLIP_ENGINE_CHILD", "1"},
          {"GLIP_CHILD_DIR", dir},
          {"GLIP_CHILD_MAX_ITER", std::to_string(max_iter)},
          {"GLIP_CHILD_PERIOD", "1000"},
          {"GLIP_CHILD_DROPOUT", "0"},
          {"RANK", std::to_string(rank)},
          {"WORLD_SIZE", std::to_string(world)},
          {"LOCAL_RANK", std::to_string(rank)},
          {"MASTER_ADDR", "127.0.0.1"},
          {"MASTER_PORT", std::to_string(port)}};
}

// metrics.jsonl of a run, one JSON object per logged step.
std::vector<nlohmann::json> metric_lines(const std::string& dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(read_file(dir + "/metrics.jsonl"));
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Runs the child with `e` in `one` (a single process), then the two ranks `e0`, `e1` in `two`; each must succeed.
void run_one_then_two(const std::string& one, const std::map<std::string, std::string>& e, const std::string& two,
                      const std::map<std::string, std::string>& e0, const std::map<std::string, std::string>& e1) {
  const pid_t single = test::spawn_self("EngineChild.Run", e, one + "/log.txt");
  ASSERT_EQ(test::wait_child(single, 120), 0) << read_file(one + "/log.txt");
  const pid_t r0 = test::spawn_self("EngineChild.Run", e0, two + "/log0.txt");
  const pid_t r1 = test::spawn_self("EngineChild.Run", e1, two + "/log1.txt");
  ASSERT_EQ(test::wait_child(r0, 120), 0) << read_file(two + "/log0.txt");
  ASSERT_EQ(test::wait_child(r1, 120), 0) << read_file(two + "/log1.txt");
}

TEST(Distributed, TwoProcessesMatchOneProcessWithTheSameGlobalBatch) {
  const std::string one = glip::test::temp_dir("engine_ddp1"), two = glip::test::temp_dir("engine_ddp2");
  const int port = test::free_port();
  auto e = rank_env(one, 0, 1, port, 5), e0 = rank_env(two, 0, 2, port, 5), e1 = rank_env(two, 1, 2, port, 5);
  for (auto* env : {&e, &e0, &e1}) (*env)["GLIP_CHILD_LOG_PERIOD"] = "1";
  ASSERT_NO_FATAL_FAILURE(run_one_then_two(one, e, two, e0, e1));
  const auto a = io::load_safetensors(one + "/model_final.safetensors").tensors;
  const auto b = io::load_safetensors(two + "/model_final.safetensors").tensors;
  ASSERT_EQ(a.size(), b.size());
  double worst = 0;
  for (const auto& [k, v] : a)
    worst = std::max(worst, (v.to(at::kDouble) - b.at(k).to(at::kDouble)).abs().max().item<double>());
  EXPECT_LE(worst, 1e-5);
  // Every step's logged terms: the mean over 8 images against the mean of two 4-image means, on weights that
  // drift apart by rounding.
  const auto la = metric_lines(one), lb = metric_lines(two);
  ASSERT_EQ(la.size(), 5u);
  ASSERT_EQ(lb.size(), 5u);
  for (size_t i = 0; i < la.size(); ++i)
    for (const auto& [k, v] : la[i].at("losses").items())
      EXPECT_NEAR(v.get<double>(), lb[i].at("losses").at(k).get<double>(), 1e-5 * std::abs(v.get<double>()))
          << "step " << i + 1 << ", " << k;
}

// The logged loss terms of a step are the mean over the global batch, whatever the split: 2 ranks (each half of
// the global batch, grad_accum 1) log exactly what 1 process logs with grad_accum 2 (the same halves as its two
// micro-batches). Per term the engine sums term / accum over micro-batches in double, all-reduces the sums and
// divides by the world size: l0 / 2 + l1 / 2 == (l0 + l1) / 2 exactly for float losses. With lr 0 the weights stay
// the same in both runs, so every step's logged numbers must be bit-identical (a rank logging its own terms, or
// dividing by the world size twice, fails). With training they agree to rounding (TwoProcessesMatchOneProcess...).
TEST(Distributed, LoggedLossesAreTheSingleProcessOnes) {
  const std::string one = glip::test::temp_dir("engine_ddp_log1"), two = glip::test::temp_dir("engine_ddp_log2");
  const int port = test::free_port();
  auto e = rank_env(one, 0, 1, port, 5), e0 = rank_env(two, 0, 2, port, 5), e1 = rank_env(two, 1, 2, port, 5);
  e["GLIP_CHILD_ACCUM"] = "2";
  for (auto* env : {&e, &e0, &e1}) {
    (*env)["GLIP_CHILD_LR"] = "0";
    (*env)["GLIP_CHILD_LOG_PERIOD"] = "1";
  }
  ASSERT_NO_FATAL_FAILURE(run_one_then_two(one, e, two, e0, e1));
  const auto a = metric_lines(one), b = metric_lines(two);
  ASSERT_EQ(a.size(), 5u);
  ASSERT_EQ(b.size(), 5u);
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].at("losses").size(), 2u);
    for (const auto& [k, v] : a[i].at("losses").items())
      EXPECT_EQ(v.get<double>(), b[i].at("losses").at(k).get<double>()) << "step " << i + 1 << ", " << k;
    EXPECT_EQ(a[i].at("loss").get<double>(), b[i].at("loss").get<double>()) << "step " << i + 1;
  }
}

// A NaN in one micro-batch of rank 1: both ranks learn it from the step's one collective and agree. With
// nonfinite_loss=stop both stop at that iteration, rank 1 naming its micro-batch's samples and rank 0 saying it was
// another rank; with skip both skip the same step and end with the same weights.
TEST(Distributed, ANonFiniteMicroBatchOnOneRankIsSeenByEveryRank) {
  for (const std::string policy : {"stop", "skip"}) {
    const std::string dir = glip::test::temp_dir("engine_ddp_nan_" + policy);
    const int port = test::free_port();
    auto e0 = rank_env(dir, 0, 2, port, 5);
    auto e1 = rank_env(dir, 1, 2, port, 5);
    for (auto* e : {&e0, &e1}) {
      (*e)["GLIP_CHILD_ACCUM"] = "2";
      (*e)["GLIP_CHILD_NONFINITE"] = policy;
    }
    e1["GLIP_CHILD_NAN_AT"] = "2";
    e1["GLIP_CHILD_NAN_MICRO"] = "1";
    const pid_t r0 = test::spawn_self("EngineChild.Run", e0, dir + "/log0.txt");
    const pid_t r1 = test::spawn_self("EngineChild.Run", e1, dir + "/log1.txt");
    const int rc0 = test::wait_child(r0, 120), rc1 = test::wait_child(r1, 120);
    const std::string log0 = read_file(dir + "/log0.txt"), log1 = read_file(dir + "/log1.txt");
    if (policy == "stop") {
      EXPECT_NE(rc0, 0) << log0;
      EXPECT_NE(rc1, 0) << log1;
      EXPECT_NE(rc0, -1) << "rank 0 hung";
      EXPECT_NE(log0.find("non-finite loss at iteration 3 on another rank (rank 0);"), std::string::npos) << log0;
      EXPECT_NE(log1.find("non-finite loss at iteration 3 on this rank (rank 1): dataset indices ["), std::string::npos)
          << log1;
    } else {
      ASSERT_EQ(rc0, 0) << log0;
      ASSERT_EQ(rc1, 0) << log1;
      EXPECT_NE(log0.find("non-finite loss at iteration 3: step skipped"), std::string::npos) << log0;
      EXPECT_EQ(log0.find("step skipped ("), std::string::npos) << log0;  // not its samples: rank 1's
      EXPECT_NE(log1.find("non-finite loss at iteration 3: step skipped (dataset indices ["), std::string::npos)
          << log1;
      const auto w = io::load_safetensors(dir + "/model_final.safetensors").tensors;
      for (const auto& [k, v] : w) EXPECT_TRUE(at::isfinite(v).all().item<bool>()) << k;
      EXPECT_EQ(nlohmann::json::parse(read_file(dir + "/train_0000005.json")).at("skipped_steps"), 1);
    }
  }
}

TEST(Distributed, ADeadRankMakesTheOthersExitNonZeroWithoutHanging) {
  const std::string dir = glip::test::temp_dir("engine_dead");
  const int port = test::free_port();
  auto e0 = rank_env(dir, 0, 2, port, 1000);
  auto e1 = rank_env(dir, 1, 2, port, 1000);
  e1["GLIP_CHILD_DIE_AT"] = "3";
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t r0 = test::spawn_self("EngineChild.Run", e0, dir + "/log0.txt");
  const pid_t r1 = test::spawn_self("EngineChild.Run", e1, dir + "/log1.txt");
  EXPECT_EQ(test::wait_child(r1, 60), 128 + SIGKILL);
  const int rc0 = test::wait_child(r0, 60);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(rc0, 0) << read_file(dir + "/log0.txt");
  EXPECT_NE(rc0, -1) << "rank 0 hung (killed after 60 s)";
  EXPECT_LT(seconds, 60.0);
}

#ifdef GLIP_HAVE_GLOO
// torchrun's default static rendezvous without Python: this process plays the agent, which serves a multi-tenant
// TCPStore on MASTER_PORT (static_tcp_rendezvous.py) and, when a worker dies, starts all of them again with
// TORCHELASTIC_RESTART_COUNT + 1 against the same store, the dead attempt's keys still in it. Before, rank 0
// tried to serve a second store on the agent's port ("Address already in use").
TEST(Distributed, RanksJoinThroughTheTorchrunAgentStoreAndAfterARestart) {
  const std::string dir = glip::test::temp_dir("engine_agent");
  const int port = test::free_port();
  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(port);
  so.isServer = true;
  so.waitWorkers = false;
  so.multiTenant = true;
  c10d::TCPStore agent("127.0.0.1", so);
  auto worker = [&](int rank, int attempt, int max_iter, const std::string& die_at) {
    auto e = rank_env(dir + "/attempt" + std::to_string(attempt), rank, 2, port, max_iter);
    for (const auto& [k, v] : torchrun_worker_env(rank, port, attempt, "True")) e[k] = v;
    if (!die_at.empty()) e["GLIP_CHILD_DIE_AT"] = die_at;
    const std::string log = dir + "/log" + std::to_string(attempt) + std::to_string(rank) + ".txt";
    return std::make_pair(test::spawn_self("EngineChild.Run", e, log), log);
  };
  const int64_t keys_before = agent.getNumKeys();
  // Attempt 0: rank 1 dies at step 2; rank 0 then fails too (the agent would restart both).
  auto [a0, log_a0] = worker(0, 0, 1000, "");
  auto [a1, log_a1] = worker(1, 0, 1000, "2");
  EXPECT_EQ(test::wait_child(a1, 60), 128 + SIGKILL) << read_file(log_a1);
  EXPECT_GT(test::wait_child(a0, 60), 0) << read_file(log_a0);
  EXPECT_NE(read_file(log_a0).find("keys under /worker/attempt_0"), std::string::npos) << read_file(log_a0);
  const int64_t keys_attempt0 = agent.getNumKeys();
  EXPECT_GT(keys_attempt0, keys_before);
  // Attempt 1 against the same store: its keys do not meet attempt 0's; both ranks finish.
  auto [b0, log_b0] = worker(0, 1, 3, "");
  auto [b1, log_b1] = worker(1, 1, 3, "");
  ASSERT_EQ(test::wait_child(b0, 60), 0) << read_file(log_b0);
  ASSERT_EQ(test::wait_child(b1, 60), 0) << read_file(log_b1);
  EXPECT_NE(read_file(log_b1).find("keys under /worker/attempt_1"), std::string::npos) << read_file(log_b1);
  EXPECT_TRUE(std::filesystem::exists(dir + "/attempt1/model_final.safetensors"));
  // Attempt 1 wrote keys of its own rather than over attempt 0's. Without the prefix (tried) a rank read the dead
  // peer's address: "connect: Connection refused", a hang, or a join after ~10 s of failed connections.
  EXPECT_GE(agent.getNumKeys() - keys_attempt0, keys_attempt0 - keys_before)
      << "keys: " << keys_before << " at start, " << keys_attempt0 << " after attempt 0, " << agent.getNumKeys()
      << " after attempt 1";
}
#endif

}  // namespace
}  // namespace glip::engine
