/** Parity-test helpers: copy fixture weights into a module by official key name, exactly. */
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

#include "glip/io/safetensors.h"

namespace glip::test {

/**
 * Copies every parameter and buffer of `m` from `tensors[prefix + name]`. Fails the test when a key is
 * missing or a shape differs; returns the number of fixture keys under `prefix` that the module does not use.
 */
inline int64_t copy_named(torch::nn::Module& m, const std::map<std::string, at::Tensor>& tensors,
                          const std::string& prefix) {
  torch::NoGradGuard g;
  std::map<std::string, at::Tensor> own;
  for (auto& p : m.named_parameters(true)) own[p.key()] = p.value();
  for (auto& p : m.named_buffers(true)) own[p.key()] = p.value();
  for (auto& [name, t] : own) {
    auto it = tensors.find(prefix + name);
    EXPECT_TRUE(it != tensors.end()) << "fixture lacks " << prefix << name;
    if (it == tensors.end()) continue;
    EXPECT_EQ(it->second.sizes(), t.sizes()) << prefix << name;
    if (it->second.sizes() == t.sizes()) t.copy_(it->second);
  }
  int64_t unused = 0;
  for (auto& [k, v] : tensors) {
    if (k.rfind(prefix, 0) == 0 && k.rfind("input.", 0) != 0 && k.rfind("output.", 0) != 0 &&
        !own.count(k.substr(prefix.size())))
      ++unused;
  }
  return unused;
}

}  // namespace glip::test
