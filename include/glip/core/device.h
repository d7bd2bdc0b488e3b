/** Device selection: "auto" | "cpu" | "cuda" | "cuda:N", with a clear error when CUDA is asked for but absent. */
#pragma once
#include <c10/core/Device.h>

#include <string>

namespace glip {

/** Syntax check of a device spec: "" when valid, else "expected auto|cpu|cuda|cuda:N, got '<spec>'". */
std::string device_spec_problem(const std::string& spec);

/**
 * Resolves a device spec: "auto" -> the first CUDA device when one is usable, else CPU; "cuda" -> cuda:0.
 * Throws InputError when the spec is malformed, or names CUDA while this LibTorch has no CUDA or the GPU index
 * does not exist (the message says how many GPUs were found and suggests `device: cpu`).
 */
c10::Device resolve_device(const std::string& spec);

}  // namespace glip
