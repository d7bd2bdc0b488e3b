// GLIP_SIMD_CLONES: compile a function for x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and the baseline, and pick one for
// the CPU at load time (GCC's target_clones). For loops that GCC vectorizes (-O3) but that the baseline build (no
// -march) can only run in SSE2. Results are the same on every version for the loops it is used on (no reassociated
// reductions). Elsewhere (Clang, other CPUs) it is empty.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define GLIP_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GLIP_SIMD_CLONES
#endif
