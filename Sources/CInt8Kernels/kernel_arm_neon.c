/* arm64 tiles. NEON dot product (ARMv8.2 sdot, Pi 5): 4 pixels x 16 channels, weights packed
 * [K/4][16][4]. Plain NEON (Pi 4): 4 pixels x 8 channels, smlal on weights widened to int16,
 * packed [K][8]. Activations are signed bytes. Chosen at run time (getauxval, dispatch.c). */
#if defined(__aarch64__)
#include "kernels_internal.h"
#include <arm_neon.h>
#include <string.h>

#define ARM_DOT __attribute__((target("dotprod")))

ARM_DOT static void tile_neondot(const uint8_t *const *rows, int mr, const ptrdiff_t *seg_off, int nseg,
                                 int seg_len, const void *bp, const i8k_epilogue *e, int n0, int nr,
                                 int8_t *out, ptrdiff_t ldo) {
    int32x4_t c[4][4];
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++) c[r][j] = vdupq_n_s32(0);
    const int8_t *b = bp;
    for (int s = 0; s < nseg; s++) {
        const uint8_t *a[4];
        for (int r = 0; r < 4; r++) a[r] = rows[r] + seg_off[s];
        for (int k = 0; k < seg_len; k += 4, b += 64) {
            int8x16_t b0 = vld1q_s8(b), b1 = vld1q_s8(b + 16), b2 = vld1q_s8(b + 32), b3 = vld1q_s8(b + 48);
            for (int r = 0; r < 4; r++) {
                int32_t q;
                memcpy(&q, a[r] + k, 4);
                int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(q));
                c[r][0] = vdotq_s32(c[r][0], b0, av);
                c[r][1] = vdotq_s32(c[r][1], b1, av);
                c[r][2] = vdotq_s32(c[r][2], b2, av);
                c[r][3] = vdotq_s32(c[r][3], b3, av);
            }
        }
    }
    int32_t acc[4][16];
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++) vst1q_s32(acc[r] + 4 * j, c[r][j]);
    i8k_epilogue_tile(&acc[0][0], 16, mr, n0, nr, e, out, ldo);
}

static void tile_neon(const uint8_t *const *rows, int mr, const ptrdiff_t *seg_off, int nseg, int seg_len,
                      const void *bp, const i8k_epilogue *e, int n0, int nr, int8_t *out, ptrdiff_t ldo) {
    int32x4_t c[4][2];
    for (int r = 0; r < 4; r++) c[r][0] = c[r][1] = vdupq_n_s32(0);
    const int16_t *b = bp;
    for (int s = 0; s < nseg; s++) {
        const int8_t *a[4];
        for (int r = 0; r < 4; r++) a[r] = (const int8_t *)rows[r] + seg_off[s];
        for (int k = 0; k < seg_len; k++, b += 8) {
            int16x8_t bv = vld1q_s16(b);
            for (int r = 0; r < 4; r++) {
                int16_t x = a[r][k];
                c[r][0] = vmlal_n_s16(c[r][0], vget_low_s16(bv), x);
                c[r][1] = vmlal_high_n_s16(c[r][1], bv, x);
            }
        }
    }
    int32_t acc[4][8];
    for (int r = 0; r < 4; r++) {
        vst1q_s32(acc[r], c[r][0]);
        vst1q_s32(acc[r] + 4, c[r][1]);
    }
    i8k_epilogue_tile(&acc[0][0], 8, mr, n0, nr, e, out, ldo);
}

const i8k_kernel i8k_kernel_neondot = {.mr = 4, .nr = 16, .kgroup = 4, .elem_bytes = 1, .offset = 0, .act_bytes = 1,
                                       .tile = tile_neondot};
const i8k_kernel i8k_kernel_neon = {.mr = 4, .nr = 8, .kgroup = 1, .elem_bytes = 2, .offset = 0, .act_bytes = 1,
                                    .tile = tile_neon};
#endif
