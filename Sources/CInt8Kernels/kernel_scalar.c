/* Portable scalar tile: 4 pixels x 4 channels, weights packed [K][4]. */
#include "kernels_internal.h"

static void tile_scalar(const uint8_t *const *rows, int mr, const ptrdiff_t *seg_off, int nseg,
                        int seg_len, const void *bp, const i8k_epilogue *e, int n0, int nr,
                        int8_t *out, ptrdiff_t ldo) {
    uint32_t acc[4][4] = {{0}}; /* uint32: wrap-around arithmetic, like the SIMD accumulators */
    const int8_t *b = bp;
    for (int s = 0; s < nseg; s++) {
        const int8_t *a0 = (const int8_t *)rows[0] + seg_off[s], *a1 = (const int8_t *)rows[1] + seg_off[s];
        const int8_t *a2 = (const int8_t *)rows[2] + seg_off[s], *a3 = (const int8_t *)rows[3] + seg_off[s];
        for (int k = 0; k < seg_len; k++, b += 4)
            for (int c = 0; c < 4; c++) {
                acc[0][c] += (uint32_t)(a0[k] * b[c]);
                acc[1][c] += (uint32_t)(a1[k] * b[c]);
                acc[2][c] += (uint32_t)(a2[k] * b[c]);
                acc[3][c] += (uint32_t)(a3[k] * b[c]);
            }
    }
    i8k_epilogue_tile((const int32_t *)&acc[0][0], 4, mr, n0, nr, e, out, ldo);
}

const i8k_kernel i8k_kernel_scalar = {.mr = 4, .nr = 4, .kgroup = 1, .elem_bytes = 1, .offset = 0, .act_bytes = 1,
                                      .tile = tile_scalar};
