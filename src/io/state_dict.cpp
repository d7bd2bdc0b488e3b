#include "glip/io/state_dict.h"

#include <set>
#include <sstream>

#include "glip/core/error.h"

namespace glip::io {
namespace {

std::string shape_str(const at::Tensor& t) {
  std::ostringstream os;
  os << t.sizes() << " " << t.scalar_type();
  return os.str();
}

bool same_kind(const at::Tensor& a, const at::Tensor& b) {
  return at::isFloatingType(a.scalar_type()) == at::isFloatingType(b.scalar_type()) &&
         (a.scalar_type() == at::kBool) == (b.scalar_type() == at::kBool);
}

void append_list(std::ostringstream& os, const char* title, const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  os << "\n  " << title << " (" << keys.size() << "):";
  for (const auto& k : keys) os << "\n    " << k;
}

/**
 * Integer buffers that index the rows of a sibling table (BERT's position_ids into position_embeddings): a value
 * outside the table's rows would load and fail only at run time ("index out of range in self"). "" when `src`
 * (for `key`) is no such buffer or its values fit, else the problem.
 */
std::string index_problem(const std::string& key, const at::Tensor& src,
                          const std::map<std::string, at::Tensor>& module_tensors) {
  static const std::pair<std::string, std::string> kIndexBuffers[] = {{"position_ids", "position_embeddings.weight"}};
  for (const auto& [suffix, table] : kIndexBuffers) {
    if (key.size() < suffix.size() || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const auto it = module_tensors.find(key.substr(0, key.size() - suffix.size()) + table);
    if (it == module_tensors.end() || src.numel() == 0 || at::isFloatingType(src.scalar_type())) return "";
    const int64_t rows = it->second.size(0), lo = src.min().item<int64_t>(), hi = src.max().item<int64_t>();
    if (lo >= 0 && hi < rows) return "";
    return str_cat(key, ": values must be row indices of ", it->first, " (0..", rows - 1, "), got ", lo, "..", hi);
  }
  return "";
}

}  // namespace

std::string LoadReport::describe() const {
  std::ostringstream os;
  append_list(os, "missing keys", missing);
  append_list(os, "unexpected keys", unexpected);
  append_list(os, "shape/dtype mismatches", mismatched);
  append_list(os, "non-finite values (NaN or Inf; not loaded)", nonfinite);
  return os.str();
}

std::string nonfinite_problem(const std::string& key, const at::Tensor& t) {
  if (!t.defined() || !at::isFloatingType(t.scalar_type()) || t.numel() == 0) return "";
  const int64_t bad = (~at::isfinite(t)).sum().item<int64_t>();
  if (bad == 0) return "";
  return str_cat("tensor '", key, "' has ", bad, " of ", t.numel(), " values NaN or Inf");
}

std::string nonfinite_problem(const std::map<std::string, at::Tensor>& tensors) {
  for (const auto& [k, t] : tensors) {
    std::string p = nonfinite_problem(k, t);
    if (!p.empty()) return p;
  }
  return "";
}

std::map<std::string, at::Tensor> state_dict(const torch::nn::Module& module, const std::string& prefix) {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) out[prefix + p.key()] = p.value();
  for (const auto& b : module.named_buffers(/*recurse=*/true)) out[prefix + b.key()] = b.value();
  return out;
}

std::map<std::string, at::Tensor> strip_prefix(const std::map<std::string, at::Tensor>& tensors,
                                               const std::string& prefix) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, v] : tensors) {
    if (k.compare(0, prefix.size(), prefix) == 0) out[k.substr(prefix.size())] = v;
  }
  return out;
}

LoadReport load_state_dict(torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors,
                           const LoadOptions& options) {
  LoadReport report;
  std::set<std::string> used;
  at::NoGradGuard no_grad;
  std::map<std::string, at::Tensor> own = state_dict(module, options.prefix);
  for (auto& [key, target] : own) {
    auto it = tensors.find(key);
    if (it == tensors.end()) {
      report.missing.push_back(key);
      continue;
    }
    used.insert(key);
    const at::Tensor& src = it->second;
    if (!src.defined() || src.sizes() != target.sizes() || !same_kind(src, target)) {
      report.mismatched.push_back(key + ": module has " + shape_str(target) + ", " + options.source + " has " +
                                  (src.defined() ? shape_str(src) : std::string("an undefined tensor")));
      continue;
    }
    if (std::string bad = index_problem(key, src, own); !bad.empty()) {
      report.mismatched.push_back(bad + " in " + options.source);
      continue;
    }
    if (std::string bad = nonfinite_problem(key, src); !bad.empty()) {
      report.nonfinite.push_back(bad);
      continue;
    }
    target.copy_(src.to(target.device(), target.scalar_type()));
    report.loaded.push_back(key);
  }
  for (const auto& [k, v] : tensors) {
    if (k.compare(0, options.prefix.size(), options.prefix) == 0 && !used.count(k)) report.unexpected.push_back(k);
  }
  GLIP_CHECK_INPUT(options.allow_nonfinite || report.nonfinite.empty(), options.source,
                   ": refusing tensors with NaN or Inf values (a diverged or corrupt checkpoint):", report.describe());
  GLIP_CHECK_INPUT(!options.strict || report.ok(), "loading '", options.source, "' (prefix '", options.prefix,
                   "') into the module failed:", report.describe());
  return report;
}

}  // namespace glip::io
