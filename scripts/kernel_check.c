/* Standalone exactness check of every CInt8Kernels kind this CPU runs against the scalar
 * reference, for cross-built runs (scripts/check_arm64_kernels.sh runs it under qemu-aarch64;
 * on the build machine the Swift tests in Tests/InferenceTests/FastConvTests.swift do this). */
#include "int8kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9E3779B97F4A7C15ull;
static int rnd(int lo, int hi) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (int)((state >> 33) % (uint64_t)(hi - lo + 1));
}

int main(void) {
    int failures = 0, checks = 0;
    for (int kind = 0; kind < I8K_KIND_COUNT; kind++) {
        if (!i8k_available((i8k_kind)kind)) continue;
        printf("checking %s\n", i8k_kind_name((i8k_kind)kind));
        for (int t = 0; t < 120; t++) {
            int k = rnd(1, 3), s = rnd(1, 2), d = t % 7 == 0 ? 2 : 1;
            i8k_conv_geometry g = {.in_h = rnd(1, 9), .in_w = rnd(1, 9), .in_c = rnd(1, 40), .out_c = rnd(1, 70),
                                   .kernel_h = k, .kernel_w = rnd(1, 3), .stride_h = s, .stride_w = rnd(1, 2),
                                   .dilation_h = d, .dilation_w = t % 5 == 0 ? 2 : 1};
            g.pad_top = rnd(0, 1), g.pad_left = rnd(0, 1);
            g.out_h = (g.in_h + 2 * g.pad_top - (g.kernel_h - 1) * g.dilation_h - 1) / g.stride_h + 1;
            g.out_w = (g.in_w + 2 * g.pad_left - (g.kernel_w - 1) * g.dilation_w - 1) / g.stride_w + 1;
            if (g.out_h < 1 || g.out_w < 1) continue;
            int batch = rnd(1, 3), n = g.out_c;
            size_t nw = (size_t)n * g.kernel_h * g.kernel_w * g.in_c, nin = (size_t)batch * g.in_h * g.in_w * g.in_c;
            size_t nout = (size_t)batch * g.out_h * g.out_w * n;
            int8_t *w = malloc(nw), *in = malloc(nin), *ref = malloc(nout), *got = malloc(nout), *table = malloc((size_t)n * 256);
            int32_t *bias = malloc(4 * (size_t)n), *mult = malloc(4 * (size_t)n), *shift = malloc(4 * (size_t)n);
            for (size_t i = 0; i < nw; i++) w[i] = (int8_t)rnd(-128, 127);
            for (size_t i = 0; i < nin; i++) in[i] = (int8_t)rnd(-128, 127);
            for (int i = 0; i < n * 256; i++) table[i] = (int8_t)rnd(-128, 127);
            for (int i = 0; i < n; i++) {
                bias[i] = rnd(-40000, 40000);
                mult[i] = (1 << 30) + rnd(0, (1 << 30) - 1);
                shift[i] = rnd(-14, 1);
            }
            int zp = rnd(-128, 127);
            i8k_requant rq = {.bias = t % 4 ? bias : NULL, .multiplier = mult, .shift = shift,
                              .input_zero_point = rnd(-128, 127), .output_zero_point = zp,
                              .act_min = t % 3 ? rnd(-128, 0) : zp, .act_max = 127,
                              .rounding = t % 2 ? I8K_ROUND_SINGLE_Q31 : I8K_ROUND_DOUBLE,
                              .post_table = t % 6 == 0 ? table : NULL};
            if (rq.act_min > rq.act_max) rq.act_min = rq.act_max;
            i8k_ref_conv(&g, w, &rq, in, batch, ref);
            i8k_conv *c = i8k_conv_create(&g, w, &rq, (i8k_kind)kind);
            if (!c) { printf("create failed\n"); return 2; }
            void *ws = malloc(i8k_conv_workspace_size(c, batch));
            i8k_pool *pool = t % 2 ? i8k_pool_create(2) : NULL;
            memset(got, 0, nout);
            i8k_conv_run(c, in, batch, got, ws, pool);
            checks++;
            if (memcmp(ref, got, nout) != 0) {
                failures++;
                printf("  MISMATCH case %d: %dx%dx%d -> %dx%dx%d k%dx%d s%d d%d\n", t, g.in_h, g.in_w, g.in_c, g.out_h,
                       g.out_w, n, g.kernel_h, g.kernel_w, g.stride_h, g.dilation_h);
            }
            i8k_pool_destroy(pool);
            i8k_conv_destroy(c);
            free(ws), free(w), free(in), free(ref), free(got), free(table), free(bias), free(mult), free(shift);
        }
    }
    printf("%d cases, %d mismatches (best kind: %s)\n", checks, failures, i8k_active_kernel_name());
    return failures != 0;
}
