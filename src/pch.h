// Precompiled header of the glip library: the heavy LibTorch headers, parsed once per target.
#pragma once
#include <torch/torch.h>
#include <string>
#include <vector>
#include <map>
#include <memory>
