/* Runtime CPU dispatch: which kernel families this machine can run. No global -march flags:
 * each SIMD function carries its own target attribute, chosen here at run time. */
#include "kernels_internal.h"
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP /* glibc's <bits/hwcap.h> via <sys/auxv.h>; the kernel's uapi asm/hwcap.h */
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

int i8k_available(i8k_kind kind) {
    switch (kind) {
    case I8K_SCALAR: return 1;
#if defined(__x86_64__)
    case I8K_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    case I8K_AVX512_VNNI:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#endif
#if defined(__aarch64__)
    case I8K_NEON: return 1; /* NEON is part of the arm64 baseline */
    case I8K_NEON_DOT:
#if defined(__linux__)
        return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__APPLE__)
        return 1; /* every Apple arm64 core has the dot product */
#else
        return 0;
#endif
#endif
    default: return 0;
    }
}

i8k_kind i8k_best_kind(void) {
    static const i8k_kind order[] = {I8K_AVX512_VNNI, I8K_NEON_DOT, I8K_AVX2, I8K_NEON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (i8k_available(order[i])) return order[i];
    return I8K_SCALAR;
}

const char *i8k_kind_name(i8k_kind kind) {
    switch (kind) {
    case I8K_SCALAR: return "scalar";
    case I8K_AVX2: return "avx2";
    case I8K_AVX512_VNNI: return "avx512_vnni";
    case I8K_NEON: return "neon";
    case I8K_NEON_DOT: return "neon_dot";
    default: return "unknown";
    }
}

const char *i8k_active_kernel_name(void) { return i8k_kind_name(i8k_best_kind()); }

const i8k_kernel *i8k_kernel_for(i8k_kind kind) {
    if (kind == I8K_BEST) kind = i8k_best_kind();
    if (!i8k_available(kind)) return NULL;
    switch (kind) {
    case I8K_SCALAR: return &i8k_kernel_scalar;
#if defined(__x86_64__)
    case I8K_AVX2: return &i8k_kernel_avx2;
    case I8K_AVX512_VNNI: return &i8k_kernel_vnni;
#endif
#if defined(__aarch64__)
    case I8K_NEON: return &i8k_kernel_neon;
    case I8K_NEON_DOT: return &i8k_kernel_neondot;
#endif
    default: return NULL;
    }
}

double i8k_measure_peak_gmacs(i8k_kind kind, double seconds) {
    if (kind == I8K_BEST) kind = i8k_best_kind();
    if (!i8k_available(kind)) return 0;
#if defined(__x86_64__)
    if (kind == I8K_AVX512_VNNI) return i8k_peak_vnni(seconds);
    if (kind == I8K_AVX2) return i8k_peak_avx2(seconds);
#endif
    (void)seconds;
    return 0;
}
