/**
 * Inverted dropout, as at::dropout: in training each element is zeroed with probability p and the others are
 * scaled by 1 / (1 - p); otherwise the input is returned. Gradients flow through the same mask (x * mask).
 *
 * On the CPU the mask comes from a counter-based generator: one 64-bit seed drawn from the default CPU generator
 * per call (so torch::manual_seed makes it reproducible, and checkpoints that save the generator resume it), then
 * splitmix64 of (seed, element index / 2), 32 bits per element, compared with p * 2^32. The mask depends only on
 * the seed and the element's index, not on the thread count, and is built in parallel. LibTorch 1.13's CPU
 * bernoulli_ draws a double per element, serially, from the locked mt19937 generator: dropout took a fifth of the
 * tiny model's training step (docs/benchmarks.md, "Dropout"). Other devices use at::dropout.
 */
#pragma once
#include <ATen/ATen.h>

namespace glip::ops {

at::Tensor dropout(const at::Tensor& x, double p, bool train);

}  // namespace glip::ops
