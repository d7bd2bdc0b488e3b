// Precompiled header of the glip library: the heavy LibTorch headers, parsed once per target.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <torch/torch.h>
#include <vector>
