// Shard labelling, resume, rank split and kill/restart of run_pseudo_labelling, with the teacher double.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/sha256.h"
#include "glip/data/readers.h"
#include "glip/io/tar.h"
#include "glip/pseudo/labeler.h"
#include "pseudo/pseudo_test_util.h"

extern char** environ;

namespace glip::pseudo {
namespace {
namespace fs = std::filesystem;

LabelRunOptions options(const std::vector<std::string>& inputs, const std::string& out) {
  LabelRunOptions o;
  o.inputs = inputs;
  o.out_dir = out;
  o.teacher_path = "double";
  o.teacher_sha256 = "0123";
  o.config_hash = "cafe";
  o.cfg.batch_size = 3;
  return o;
}

/** The output files with the timings taken out of the JSON ones (they are the only run-dependent bytes). */
std::map<std::string, std::string> outputs_without_timing(const std::string& dir) {
  std::map<std::string, std::string> files = test::files_of(dir);
  files.erase(".manifest.lock");
  for (auto& [name, bytes] : files) {
    if (name.size() > 5 && name.substr(name.size() - 5) == ".json") {
      nlohmann::json j = nlohmann::json::parse(bytes);
      if (j.contains("stats")) j["stats"].erase("seconds");
      if (j.contains("totals")) j["totals"].erase("seconds");
      if (j.contains("shards"))
        for (auto& s : j["shards"]) s["stats"].erase("seconds");
      bytes = j.dump();
    } else if (name == "report.txt") {
      const size_t body = bytes.find('\n');  // the title names the folder
      bytes = bytes.substr(body, bytes.find("boxes written") - body);
    }
  }
  return files;
}

TEST(LabelShard, CountsEverySampleOnce) {
  const std::string dir = glip::test::temp_dir("pseudo_shard");
  auto shards = test::make_shards(dir, 1, 9);
  ShardLabels l = label_shard(shards[0], "../x/web-000000.tar", test::double_teacher, test::extractor(), {});
  const ShardStats& s = l.stats;
  EXPECT_EQ(s.samples, 9);
  EXPECT_EQ(s.empty_caption, 1);
  EXPECT_EQ(s.corrupt_image, 1);
  EXPECT_EQ(s.no_phrases, 1);
  EXPECT_EQ(s.teacher_rejected, 1);
  EXPECT_EQ(s.labelled, 5);
  EXPECT_TRUE(s.balanced());
  EXPECT_EQ(s.written + s.below_min_boxes, 5);
  EXPECT_GT(s.written, 0);
  EXPECT_EQ(std::count(l.jsonl.begin(), l.jsonl.end(), '\n'), s.written);
  int64_t boxes = 0;
  std::istringstream in(l.jsonl);
  std::string line, prev_key;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_GT(j["key"].get<std::string>(), prev_key);  // archive order, no duplicates
    prev_key = j["key"];
    EXPECT_EQ(j["image"]["tar"], "../x/web-000000.tar");
    EXPECT_EQ(j["width"], 40);
    for (const auto& p : j["phrases"]) {
      boxes += static_cast<int64_t>(p["boxes"].size());
      for (const auto& b : p["boxes"]) EXPECT_LE(b[3].get<double>(), 30.0);  // clipped to the image
      for (const auto& sc : p["scores"]) EXPECT_GE(sc.get<double>(), 0.5);
    }
  }
  EXPECT_EQ(boxes, s.boxes);
  int64_t hist = 0;
  for (int64_t c : s.boxes_per_image) hist += c;
  EXPECT_EQ(hist, s.labelled);
  // The same shard labelled with another batch size gives the same records (the double is per image).
  PseudoConfig one;
  one.batch_size = 1;
  EXPECT_EQ(label_shard(shards[0], "../x/web-000000.tar", test::double_teacher, test::extractor(), one).jsonl, l.jsonl);
}

TEST(LabelShard, CountsKeysWithoutAnImage) {
  const std::string dir = glip::test::temp_dir("pseudo_no_image");
  io::TarBuilder tar;
  tar.add("a.jpg", test::test_jpeg(1));
  tar.add("a.txt", "a small red star.");
  tar.add("lonely.txt", "a caption whose image is missing.");
  tar.add("other.json", R"({"caption": "a json caption without an image"})");
  write_file_atomic(dir + "/s.tar", tar.finish());
  const ShardStats s = label_shard(dir + "/s.tar", "s.tar", test::double_teacher, test::extractor(), {}).stats;
  EXPECT_EQ(s.samples, 3);
  EXPECT_EQ(s.no_image, 2);
  EXPECT_EQ(s.labelled, 1);
  EXPECT_TRUE(s.balanced());
  EXPECT_EQ(s.to_json()["skipped"]["no_image"], 2);
  EXPECT_EQ(ShardStats::from_json(s.to_json(), "x").no_image, 2);
  EXPECT_NE(format_report("t", s).find("no image 2"), std::string::npos) << format_report("t", s);
  // A record written before the count existed still reads (as 0).
  nlohmann::json old = s.to_json();
  old["skipped"].erase("no_image");
  old["skipped"].erase("unusable_image");
  EXPECT_EQ(ShardStats::from_json(old, "x").no_image, 0);
}

/** The double, except that it fails (not an InputError) on images more than 100 times wider than high. */
std::vector<Detections> picky_teacher(const std::vector<at::Tensor>& images, const std::vector<text::Prompt>& queries) {
  for (const auto& im : images)
    if (im.size(1) > 100 * im.size(0)) throw std::runtime_error("feature map of height 0");
  return test::double_teacher(images, queries);
}

TEST(LabelShard, SkipsAndCountsAnImageTheTeacherCannotTake) {
  const std::string dir = glip::test::temp_dir("pseudo_unusable");
  test::write_shard(dir + "/s.tar", {{"a", "a small red star.", test::test_jpeg(1)},
                                     {"b", "a thin blue line.", test::test_jpeg(2, 5000, 1)},
                                     {"c", "two green crosses.", test::test_jpeg(3)}});
  const ShardLabels l = label_shard(dir + "/s.tar", "s.tar", picky_teacher, test::extractor(), {});
  EXPECT_EQ(l.stats.samples, 3);
  EXPECT_EQ(l.stats.unusable_image, 1);
  EXPECT_EQ(l.stats.labelled, 2);
  EXPECT_TRUE(l.stats.balanced());
  EXPECT_EQ(l.jsonl.find("\"key\":\"b\""), std::string::npos);
  // The real double takes the 5000x1 image: it is labelled like any other.
  const ShardStats all = label_shard(dir + "/s.tar", "s.tar", test::double_teacher, test::extractor(), {}).stats;
  EXPECT_EQ(all.labelled, 3);
  EXPECT_EQ(all.unusable_image, 0);
}

TEST(LabelShard, ATeacherThatFailsOnEveryImageStopsTheRun) {
  const std::string dir = glip::test::temp_dir("pseudo_broken_teacher");
  test::write_shard(dir + "/s.tar", {{"a", "a small red star.", test::test_jpeg(1)},
                                     {"b", "a thin blue line.", test::test_jpeg(2)},
                                     {"c", "two green crosses.", test::test_jpeg(3)},
                                     {"d", "an orange heart.", test::test_jpeg(4)}});
  const Teacher broken = [](const std::vector<at::Tensor>&,
                            const std::vector<text::Prompt>&) -> std::vector<Detections> {
    throw std::runtime_error("CUDA out of memory");
  };
  try {
    label_shard(dir + "/s.tar", "s.tar", broken, test::extractor(), {});
    FAIL() << "a teacher failing on every image must stop the run";
  } catch (const InputError& e) {
    FAIL() << "not the input's fault: " << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the teacher failed on 3 of 4 images"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("CUDA out of memory"), std::string::npos) << e.what();
  }
}

TEST(RunPseudoLabelling, WritesShardsManifestAndResumes) {
  const std::string dir = glip::test::temp_dir("pseudo_run");
  auto shards = test::make_shards(dir, 3, 7);
  const std::string out = dir + "/out";
  LabelRunResult r = run_pseudo_labelling(options(shards, out), test::double_teacher, test::extractor());
  EXPECT_EQ(r.labelled, 3);
  EXPECT_EQ(r.failed, 0);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.totals.samples, 21);
  EXPECT_TRUE(r.totals.balanced());
  EXPECT_NE(r.report.find("3/3 shards finished"), std::string::npos) << r.report;
  for (const char* f : {"web-000000.jsonl", "web-000002.done.json", "manifest.json", "report.txt"})
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  auto m = nlohmann::json::parse(read_file(out + "/manifest.json"));
  EXPECT_TRUE(m["complete"].get<bool>());
  EXPECT_EQ(m["totals"]["samples"], 21);
  EXPECT_EQ(m["shards"][1]["input"], "../web-000001.tar");
  EXPECT_EQ(m["shards"][1]["input_sha256"], sha256_file(shards[1]));
  EXPECT_EQ(m["teacher"]["sha256"], "0123");
  // The student's reader takes the output as it is.
  auto set =
      data::read_pseudo_shards({out + "/web-000000.jsonl", out + "/web-000001.jsonl", out + "/web-000002.jsonl"});
  EXPECT_EQ(static_cast<int64_t>(set.records.size()), r.totals.written);

  // A rerun finds everything finished and changes nothing.
  const auto before = outputs_without_timing(out);
  LabelRunResult again = run_pseudo_labelling(options(shards, out), test::double_teacher, test::extractor());
  EXPECT_EQ(again.labelled, 0);
  EXPECT_EQ(again.resumed, 3);
  EXPECT_TRUE(again.totals.same_counts(r.totals));
  EXPECT_EQ(outputs_without_timing(out), before);

  // A lost record or a damaged output shard is labelled again; the result is the same.
  fs::remove(out + "/web-000001.done.json");
  write_file_atomic(out + "/web-000002.jsonl", "damaged\n");
  again = run_pseudo_labelling(options(shards, out), test::double_teacher, test::extractor());
  EXPECT_EQ(again.labelled, 2);
  EXPECT_EQ(again.resumed, 1);
  EXPECT_EQ(outputs_without_timing(out), before);

  // Another teacher or config into the same folder is refused, naming the record.
  auto other = options(shards, out);
  other.config_hash = "beef";
  try {
    run_pseudo_labelling(other, test::double_teacher, test::extractor());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("web-000000.done.json"), std::string::npos) << e.what();
  }
}

TEST(RunPseudoLabelling, RanksSplitTheShardsAndTheLastOneCompletesTheManifest) {
  const std::string dir = glip::test::temp_dir("pseudo_ranks");
  auto shards = test::make_shards(dir, 5, 4);
  run_pseudo_labelling(options(shards, dir + "/single"), test::double_teacher, test::extractor());
  auto o = options(shards, dir + "/split");
  o.world_size = 2;
  o.rank = 1;
  LabelRunResult r1 = run_pseudo_labelling(o, test::double_teacher, test::extractor());
  EXPECT_EQ(r1.labelled, 2);  // shards 1 and 3
  EXPECT_FALSE(r1.complete);
  EXPECT_FALSE(fs::exists(dir + "/split/web-000000.jsonl"));
  EXPECT_NE(r1.report.find("INCOMPLETE"), std::string::npos);
  o.rank = 0;
  LabelRunResult r0 = run_pseudo_labelling(o, test::double_teacher, test::extractor());
  EXPECT_EQ(r0.labelled, 3);
  EXPECT_TRUE(r0.complete);
  EXPECT_EQ(outputs_without_timing(dir + "/split"), outputs_without_timing(dir + "/single"));
  EXPECT_EQ(shards_of_rank(5, 1, 2), (std::vector<size_t>{1, 3}));
  EXPECT_THROW(shards_of_rank(5, 2, 2), InputError);
}

TEST(RunPseudoLabelling, BadInputs) {
  const std::string dir = glip::test::temp_dir("pseudo_bad");
  auto shards = test::make_shards(dir, 2, 4);
  EXPECT_THROW(plan_inputs({}), InputError);
  EXPECT_THROW(plan_inputs({dir + "/missing.tar"}), InputError);
  fs::create_directories(dir + "/b");
  fs::copy_file(shards[0], dir + "/b/web-000000.tar");
  EXPECT_THROW(plan_inputs({shards[0], dir + "/b/web-000000.tar"}), InputError);
  EXPECT_EQ(plan_inputs({shards[1], shards[0], shards[1]}), (std::vector<std::string>{shards[0], shards[1]}));
  // A corrupt shard fails alone; the others are labelled and the manifest says what is missing.
  write_file_atomic(dir + "/web-000009.tar", std::string(1024, 'x'));
  LabelRunResult r = run_pseudo_labelling(options({shards[0], shards[1], dir + "/web-000009.tar"}, dir + "/out"),
                                          test::double_teacher, test::extractor());
  EXPECT_EQ(r.labelled, 2);
  EXPECT_EQ(r.failed, 1);
  EXPECT_NE(r.shards[2].error.find("web-000009.tar"), std::string::npos) << r.shards[2].error;
  EXPECT_FALSE(r.complete);
  auto m = nlohmann::json::parse(read_file(dir + "/out/manifest.json"));
  EXPECT_EQ(m["missing"][0], "../web-000009.tar");
}

/** Starts pseudo_worker with the test's environment less any launcher variable, plus `env`. */
pid_t spawn_worker(const std::string& out, int delay_ms, const std::vector<std::string>& shards,
                   const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> args = {GLIP_PSEUDO_WORKER, out, std::to_string(delay_ms)};
  args.insert(args.end(), shards.begin(), shards.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> vars;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e, key = kv.substr(0, kv.find('='));
    if (key != "RANK" && key != "WORLD_SIZE" && key.rfind("SLURM_", 0) != 0) vars.push_back(kv);
  }
  for (const auto& [k, v] : env) vars.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()), 0);
  return pid;
}

int count_done(const std::string& out) {
  int n = 0;
  if (!fs::exists(out)) return 0;
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 10 && name.substr(name.size() - 10) == ".done.json") ++n;
  }
  return n;
}

TEST(RunPseudoLabelling, KilledAndRestartedGivesTheSameOutputs) {
  const std::string dir = glip::test::temp_dir("pseudo_kill");
  auto shards = test::make_shards(dir, 4, 10);
  run_pseudo_labelling(options(shards, dir + "/reference"), test::double_teacher, test::extractor());
  const auto reference = outputs_without_timing(dir + "/reference");
  // Kill with SIGKILL after 0, 1 and 2 finished shards (plus a trial-dependent delay: mid-shard, mid-write).
  for (int trial = 0; trial < 3; ++trial) {
    const std::string out = dir + "/killed" + std::to_string(trial);
    pid_t pid = spawn_worker(out, 30, shards);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (count_done(out) < trial && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 45 * trial));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the worker finished before it was killed (trial " << trial << ")";
    EXPECT_LT(count_done(out), 4);
    // Restart (a fresh process) to the end.
    pid = spawn_worker(out, 0, shards);
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "restart failed, status " << status;
    const auto after = outputs_without_timing(out);
    for (const auto& [name, bytes] : after) EXPECT_EQ(name.find(".tmp."), std::string::npos) << name;
    EXPECT_EQ(after, reference) << "trial " << trial;
  }
}

/** The "key" of every record of the output shards (web-*.jsonl) of `dir`, with how often each occurs. */
std::map<std::string, int> labelled_keys(const std::string& dir) {
  std::map<std::string, int> keys;
  for (const auto& [name, bytes] : test::files_of(dir)) {
    if (name.size() < 6 || name.substr(name.size() - 6) != ".jsonl") continue;
    std::istringstream lines(bytes);
    for (std::string line; std::getline(lines, line);) ++keys[nlohmann::json::parse(line).at("key").get<std::string>()];
  }
  return keys;
}

// Two ranks as a 2-task SLURM step starts them (srun's variables, compressed node list), one killed with SIGKILL
// in the middle of its second shard while the other carries on, then restarted: over the union of the two ranks'
// outputs every web image is labelled exactly once, the killed rank's finished shard is not labelled again, and
// the folder equals one uninterrupted process's.
TEST(RunPseudoLabelling, TwoRanksOneKilledMidShardAndRestartedLabelEveryImageOnce) {
  const std::string dir = glip::test::temp_dir("pseudo_kill_ranks");
  auto shards = test::make_shards(dir, 4, 10);
  run_pseudo_labelling(options(shards, dir + "/reference"), test::double_teacher, test::extractor());
  const auto reference = outputs_without_timing(dir + "/reference");
  const auto reference_keys = labelled_keys(dir + "/reference");
  const auto written = nlohmann::json::parse(read_file(dir + "/reference/manifest.json"))["totals"]["written"];
  ASSERT_EQ(static_cast<int64_t>(reference_keys.size()), written.get<int64_t>());
  ASSERT_GT(reference_keys.size(), 20u);  // 28 of the 40: not a vacuous check
  const std::string out = dir + "/out";
  auto task = [](int rank) {
    return std::map<std::string, std::string>{{"SLURM_JOB_ID", "4711"},
                                              {"SLURM_JOB_NODELIST", "node[01-03,07]"},
                                              {"SLURM_NTASKS", "2"},
                                              {"SLURM_PROCID", std::to_string(rank)},
                                              {"SLURM_LOCALID", std::to_string(rank)}};
  };
  // Rank 1's shards are web-000001 and web-000003; rank 0's 0 and 2.
  const pid_t rank0 = spawn_worker(out, 30, shards, task(0));
  pid_t rank1 = spawn_worker(out, 30, shards, task(1));
  const std::string first_done = out + "/web-000001.done.json";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(first_done) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // into web-000003 (4 teacher calls of 30 ms)
  ASSERT_EQ(::kill(rank1, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(rank1, &status, 0), rank1);
  ASSERT_TRUE(WIFSIGNALED(status)) << "rank 1 finished before it was killed";
  ASSERT_TRUE(fs::exists(first_done));
  EXPECT_FALSE(fs::exists(out + "/web-000003.done.json"));
  const std::string first_record = read_file(first_done), first_output = read_file(out + "/web-000001.jsonl");
  // Restarted (a fresh process, the same variables) while rank 0 may still be labelling.
  rank1 = spawn_worker(out, 0, shards, task(1));
  for (pid_t pid : {rank1, rank0}) {
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a rank failed, status " << status;
  }
  EXPECT_EQ(read_file(first_done), first_record);  // the finished shard was skipped, not labelled again
  EXPECT_EQ(read_file(out + "/web-000001.jsonl"), first_output);
  const auto keys = labelled_keys(out);
  for (const auto& [key, n] : keys) EXPECT_EQ(n, 1) << "image " << key << " labelled " << n << " times";
  EXPECT_EQ(keys.size(), reference_keys.size());
  for (const auto& [key, n] : reference_keys) EXPECT_TRUE(keys.count(key)) << "image " << key << " not labelled";
  const auto after = outputs_without_timing(out);
  for (const auto& [name, bytes] : after) EXPECT_EQ(name.find(".tmp."), std::string::npos) << name;
  EXPECT_EQ(after, reference);
  const auto manifest = nlohmann::json::parse(read_file(out + "/manifest.json"));
  EXPECT_TRUE(manifest["complete"].get<bool>());
  EXPECT_EQ(manifest["totals"]["samples"], 40);
}

}  // namespace
}  // namespace glip::pseudo
