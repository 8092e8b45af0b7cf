#pragma once
/* Internal interface between the convolution driver (conv.c) and the per-CPU tile kernels. */
#include "int8kernels.h"
#include <limits.h>
#include <stdint.h>

#define I8K_MR_MAX 8
#define I8K_NR_MAX 32

/** Per-channel constants of the fused epilogue, padded to a whole number of column tiles. */
typedef struct {
    const int32_t *comp;   /* raw accumulator - comp = bias + sum (x - zp_in) * w */
    const int32_t *mult;   /* Q31 multiplier */
    const int32_t *lshift; /* double rounding: left shift max(shift, 0) */
    const int32_t *rshift; /* double rounding: max(-shift, 0); single Q31: 31 - shift */
    const int32_t *table;  /* NULL or [n_pad][256]: fused per-channel map of the clamped output */
    const int8_t *table8;  /* the same as bytes, 4 readable bytes past the end (dword gathers) */
    /* Double rounding folded into one 64-bit rounding shift (see i8k_fold_double_rounding), per
     * 16-channel group: add[16], fix[16], total[16], each as 8 even then 8 odd channels. */
    const int64_t *folded;
    int any_lshift;
    /* act_min >= out_zp (a fused RELU): a negative high-mul result always clamps to act_min, so
     * the folded rounding may skip its tie correction for negatives (see store16). */
    int clamps_negatives;
    int32_t out_zp, act_min, act_max;
    i8k_rounding rounding;
} i8k_epilogue;

/** Computes an mr x nr output tile (mr <= MR, nr <= NR; rows[r] valid for all r < MR).
 *  Row r's activations are the nseg segments rows[r] + seg_off[s] (byte offsets), each seg_len
 *  elements of act_bytes (seg_len a multiple of 4); bp is the packed weights of this column tile; n0 its first channel. */
typedef void (*i8k_tile_fn)(const uint8_t *const *rows, int mr, const ptrdiff_t *seg_off, int nseg,
                            int seg_len, const void *bp, const i8k_epilogue *e, int n0, int nr,
                            int8_t *out, ptrdiff_t ldo);

/** A kernel family: tile shape, packed weight layout [N/nr][K/kgroup][nr][kgroup] of elem_bytes
 *  (1: int8, 2: int16), the activation offset it wants (128: x + 128 as u8, 0: x as s8). */
typedef struct {
    int mr, nr, kgroup, elem_bytes, offset;
    int act_bytes; /* activation element in the padded buffer: 1 (int8 / u8) or 2 (int16) */
    i8k_tile_fn tile;
} i8k_kernel;

const i8k_kernel *i8k_kernel_for(i8k_kind kind);
extern const i8k_kernel i8k_kernel_scalar;
#if defined(__x86_64__)
extern const i8k_kernel i8k_kernel_avx2, i8k_kernel_vnni;
double i8k_peak_vnni(double seconds);
double i8k_peak_avx2(double seconds);
#endif
#if defined(__aarch64__)
extern const i8k_kernel i8k_kernel_neon, i8k_kernel_neondot;
#endif

/* TFLite fixed-point helpers (tensorflow/lite/kernels/internal/common.h, gemmlowp fixedpoint.h). */
static inline int32_t i8k_srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31)); /* C division truncates, as in gemmlowp */
}

/* Rounds half away from zero (gemmlowp RoundingDivideByPOT). */
static inline int32_t i8k_rdbpot(int32_t x, int exponent) {
    int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, m), r) for m >= 0 with P = x * m is
 *   (P + add - (P < -2^30 ? fix : 0)) >> (31 + r),  add = 2^30 + (r > 0 ? 2^(r+30) : 0),
 *   fix = r > 0 ? 2^31 : 0,
 * because floor((floor(a / c) + b) / d) = floor((a + b c) / (c d)) and the high-mul's truncating
 * division equals floor((P + 2^30) / 2^31) for either sign; the tie nudge of the second rounding
 * (b = 2^(r-1), minus 1 when the high-mul result is negative, i.e. when P < -2^30) moves inside. */
static inline void i8k_fold_double_rounding(int32_t r, int64_t *add, int64_t *fix, int64_t *total) {
    *add = ((int64_t)1 << 30) + (r > 0 ? (int64_t)1 << (r + 30) : 0);
    *fix = r > 0 ? (int64_t)1 << 31 : 0;
    *total = 31 + r;
}

/* Requantize a true accumulator for channel n, add the zero point, clamp, apply the table. */
static inline int8_t i8k_epilogue_one(int32_t acc, const i8k_epilogue *e, int n) {
    int32_t v;
    if (e->rounding == I8K_ROUND_DOUBLE) {
        /* acc << l wraps like TFLite's acc * (1 << l) does in practice; l > 0 only for m > 1. */
        int32_t shifted = (int32_t)((uint32_t)acc << e->lshift[n]);
        int64_t add, fix, total, p = (int64_t)shifted * e->mult[n];
        i8k_fold_double_rounding(e->rshift[n], &add, &fix, &total);
        v = (int32_t)((p + add - (p < -((int64_t)1 << 30) ? fix : 0)) >> total);
    } else {
        int total = e->rshift[n];
        int64_t round = (int64_t)1 << (total - 1);
        int64_t wide = ((int64_t)acc * e->mult[n] + round) >> total;
        v = wide > INT32_MAX ? INT32_MAX : wide < INT32_MIN ? INT32_MIN : (int32_t)wide;
    }
    v += e->out_zp;
    v = v < e->act_min ? e->act_min : v;
    v = v > e->act_max ? e->act_max : v;
    if (e->table) v = e->table[(size_t)n * 256 + (size_t)(v + 128)];
    return (int8_t)v;
}

/* Scalar epilogue of a raw accumulator tile acc[r][c] (ld = ldacc), r < mr, c < nr. */
static inline void i8k_epilogue_tile(const int32_t *acc, int ldacc, int mr, int n0, int nr,
                                     const i8k_epilogue *e, int8_t *out, ptrdiff_t ldo) {
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nr; c++) {
            int32_t a = (int32_t)((uint32_t)acc[r * ldacc + c] - (uint32_t)e->comp[n0 + c]);
            out[r * ldo + c] = i8k_epilogue_one(a, e, n0 + c);
        }
}
