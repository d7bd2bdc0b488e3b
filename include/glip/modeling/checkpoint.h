/**
 * Model checkpoints.
 *  - Official GLIP `.pth` files (torch.save of {model, optimizer, scheduler, iteration, model_ema}), read natively:
 *    the `model` dict (or the root dict), `module.` stripped, the anchor buffers
 *    `rpn.anchor_generator.cell_anchors.*`, `rpn.resizer.*` and `*pooler*` ignored.
 *  - The project's own checkpoint: the tensors in a safetensors file (readable by the Python safetensors package)
 *    whose `__metadata__` carries `glip.record`, a JSON object with the config, build info and training state.
 *    Written to a temporary file and renamed.
 * Every missing, unexpected or wrong-shape key is reported in one glip::InputError naming the file.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <map>
#include <string>

#include "glip/io/state_dict.h"

namespace glip::modeling {

/** True for a torch.save file by its extension (.pth, .pt, .bin); anything else is read as safetensors. */
bool is_torch_pickle_file(const std::string& path);

/** True for keys an official checkpoint may carry that the model rebuilds itself (anchors, resizer, pooler). */
bool is_ignored_official_key(const std::string& key);

/**
 * The official checkpoint's model tensors, `module.` stripped and ignored keys dropped (see is_ignored_official_key).
 */
std::map<std::string, at::Tensor> read_official_checkpoint(const std::string& path);

/**
 * Loads an official GLIP checkpoint into `model` (a GlipModel or any module named like it). With `strict`,
 * any problem throws; otherwise problems are logged and the matching tensors are still loaded.
 */
void load_official_checkpoint(torch::nn::Module& model, const std::string& path, bool strict = true);

/**
 * Initial weights for a model (model.weight, glip_eval/glip_infer --checkpoint): an official `.pth`/`.pt`/`.bin`
 * file or a project `.safetensors` checkpoint, chosen by extension. Every missing, unexpected or wrong-shape key is
 * an InputError naming the file, except a missing `rpn.tunable_linear.weight`: prompt tuning adds that offset
 * table to a model whose checkpoint never had it, and it starts at zero.
 */
void load_initial_weights(torch::nn::Module& model, const std::string& path);

/**
 * Backbone-only initial weights (model.backbone_weight), as official pretraining starts from
 * swin_tiny_patch4_window7_224.pth: an ImageNet Swin or ResNet checkpoint (.pth/.pt/.bin: its `model` dict or the
 * root dict; or .safetensors) loaded into `body` (the model's backbone.body). Keys may carry `module.`,
 * `backbone.body.`, `backbone.` or `body.` in front (stripped). Layouts that load: the official Swin repository's
 * and timm 0.6's (the same names), maskrcnn_benchmark's ResNet (stem.*, layerN.*) and glip's own. Tensors the
 * body lacks (a classifier `head.*`, the final `norm.*`) are ignored and body tensors the file lacks (the
 * detection output norms `norm1..3`) keep their initialisation; both lists are logged. A wrong shape or
 * non-finite value, or a file with no matching tensor at all, is an InputError naming the file and keys.
 */
io::LoadReport load_backbone_weights(torch::nn::Module& body, const std::string& path);

/** The JSON record stored with the project's checkpoints. */
struct CheckpointRecord {
  std::string config_yaml;                            ///< the full config the model was built from
  std::map<std::string, std::string> build_info;      ///< e.g. version, git commit, compiler
  std::map<std::string, std::string> training_state;  ///< e.g. iteration, epoch
};

/** The safetensors `__metadata__` that carries `record` (what save_checkpoint writes and load_checkpoint reads). */
std::map<std::string, std::string> checkpoint_metadata(const CheckpointRecord& record);

/** Writes the module's parameters and buffers plus the record (atomic: temp file + rename). */
void save_checkpoint(const std::string& path, const torch::nn::Module& model, const CheckpointRecord& record);

/** Reads the record of a project checkpoint; a file without one, truncated or corrupt gives a clear error. */
CheckpointRecord read_checkpoint_record(const std::string& path);

/** Loads a project checkpoint into `model` (strict by name, shape and dtype kind); returns its record. */
CheckpointRecord load_checkpoint(torch::nn::Module& model, const std::string& path);

}  // namespace glip::modeling
