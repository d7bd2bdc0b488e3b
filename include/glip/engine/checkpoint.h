/**
 * Training checkpoints in a work folder. Checkpoint N is three files, each written atomically (temp file,
 * fsync, rename): model_NNNNNNN.safetensors (model weights under their state-dict names),
 * train_NNNNNNN.safetensors (optimiser state "optimizer.*", EMA "ema.*", RNG states "rng.*") and
 * train_NNNNNNN.json (the record: iteration, config, build info, scheduler, scaler, data position). The file
 * `last_checkpoint` names the newest complete checkpoint and is written last, so a process killed at any
 * moment leaves the previous checkpoint usable. Only the last `keep` checkpoints are kept.
 */
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace glip::engine {

struct Checkpoint {
  int64_t iteration = 0;
  std::map<std::string, at::Tensor> model;
  std::map<std::string, at::Tensor> train_state;
  std::string record_json;                            // a JSON object
  std::map<std::string, std::string> model_metadata;  // extra safetensors metadata of the model file
};

class CheckpointManager {
 public:
  CheckpointManager(std::string work_dir, int64_t keep);

  /** Writes checkpoint `ckpt.iteration`, updates last_checkpoint and removes the oldest beyond `keep`. */
  void save(const Checkpoint& ckpt) const;
  /** Iteration of the newest complete checkpoint, if any. */
  std::optional<int64_t> latest_iteration() const;
  /** Loads the newest complete checkpoint (errors name the file). */
  std::optional<Checkpoint> load_latest() const;
  /** Writes the final weights WORK_DIR/model_final.safetensors (deterministic bytes). */
  void save_final(const std::map<std::string, at::Tensor>& model,
                  const std::map<std::string, std::string>& metadata = {}) const;
  /** Per-rank state of ranks > 0 (their RNG states): train_NNNNNNN.rankR.safetensors. */
  void save_rank_state(int64_t iteration, int rank, const std::map<std::string, at::Tensor>& state) const;
  /** The per-rank state, or an empty map when that file does not exist. */
  std::map<std::string, at::Tensor> load_rank_state(int64_t iteration, int rank) const;
  /** Removes temp files left by a killed writer. */
  void remove_stale_temp_files() const;

  std::string model_path(int64_t iteration) const;
  std::string final_path() const;

 private:
  std::string path(const std::string& prefix, int64_t iteration, const std::string& ext) const;
  std::vector<int64_t> list_iterations() const;
  std::string dir_;
  int64_t keep_;
};

/** The default CPU generator's state (and every CUDA device's, when CUDA is available) as "rng.*" tensors. */
std::map<std::string, at::Tensor> capture_rng_states();
/** Restores states captured by capture_rng_states (missing CUDA entries are ignored on CPU-only runs). */
void restore_rng_states(const std::map<std::string, at::Tensor>& states);

}  // namespace glip::engine
