/* AVX-512 VNNI tile: 8 pixels x 32 channels, vpdpbusd on (x + 128) u8 x w s8 (exact for
 * |w| <= 127; the +128 is folded into the per-channel correction). Weights packed
 * [K/4][32][4]; each row's activations are read in place and broadcast 4 bytes at a time.
 * Measured design from shared/guides/swift-c-bindings.md (88-98 % of the vpdpbusd peak). */
#if defined(__x86_64__)
#include "kernels_internal.h"
#include <immintrin.h>
#include <string.h>
#include <time.h>

#define X86_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

X86_VNNI static inline __m512i bcast4(const uint8_t *p) {
    int32_t q;
    memcpy(&q, p, 4);
    return _mm512_set1_epi32(q);
}

/* SaturatingRoundingDoublingHighMul for m >= 0: with p = x * m, gemmlowp's
 * (p + nudge) / 2^31 (truncating) equals floor((p + 2^30) / 2^31) for either sign of p. */
X86_VNNI static inline __m512i srdhm(__m512i x, __m512i m) {
    const __m512i half = _mm512_set1_epi64((int64_t)1 << 30);
    __m512i even = _mm512_mul_epi32(x, m);
    __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32));
    even = _mm512_srai_epi64(_mm512_add_epi64(even, half), 31);
    odd = _mm512_srai_epi64(_mm512_add_epi64(odd, half), 31);
    return _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
}

/* RoundingDivideByPOT with per-lane exponents: round half away from zero. */
X86_VNNI static inline __m512i rdbpot(__m512i x, __m512i e) {
    const __m512i one = _mm512_set1_epi32(1);
    __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, e), one);
    __m512i rem = _mm512_and_si512(x, mask);
    __m512i thr = _mm512_sub_epi32(_mm512_srai_epi32(mask, 1), _mm512_srai_epi32(x, 31));
    __m512i q = _mm512_srav_epi32(x, e);
    return _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, one);
}

/* Requantize 16 raw accumulators of channels n..n+15 and store `count` int8 results. */
X86_VNNI static inline void store16(__m512i acc, const i8k_epilogue *e, int n, int count, int8_t *dst) {
    __m512i x = _mm512_sub_epi32(acc, _mm512_loadu_si512(e->comp + n));
    x = _mm512_sllv_epi32(x, _mm512_loadu_si512(e->lshift + n));
    x = srdhm(x, _mm512_loadu_si512(e->mult + n));
    x = rdbpot(x, _mm512_loadu_si512(e->rshift + n));
    x = _mm512_add_epi32(x, _mm512_set1_epi32(e->out_zp));
    x = _mm512_max_epi32(x, _mm512_set1_epi32(e->act_min));
    x = _mm512_min_epi32(x, _mm512_set1_epi32(e->act_max));
    if (e->table) {
        __m512i idx = _mm512_add_epi32(x, _mm512_set1_epi32(128 + n * 256));
        idx = _mm512_add_epi32(idx, _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                                       _mm512_set1_epi32(256)));
        x = _mm512_i32gather_epi32(idx, e->table, 4);
    }
    __m128i bytes = _mm512_cvtepi32_epi8(x);
    if (count >= 16) _mm_storeu_si128((__m128i *)dst, bytes);
    else if (count > 0) _mm_mask_storeu_epi8(dst, (__mmask16)((1u << count) - 1), bytes);
}

X86_VNNI static void tile_vnni(const uint8_t *const *rows, int mr, const ptrdiff_t *seg_off, int nseg,
                               int seg_len, const void *bp, const i8k_epilogue *e, int n0, int nr,
                               int8_t *out, ptrdiff_t ldo) {
    __m512i c[8][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < 8; r++) c[r][0] = c[r][1] = _mm512_setzero_si512();
    const int8_t *b = bp;
    for (int s = 0; s < nseg; s++) {
        const uint8_t *a[8];
#pragma clang loop unroll(full)
        for (int r = 0; r < 8; r++) a[r] = rows[r] + seg_off[s];
        for (int k = 0; k < seg_len; k += 4, b += 128) {
            __m512i b0 = _mm512_loadu_si512(b), b1 = _mm512_loadu_si512(b + 64);
#pragma clang loop unroll(full)
            for (int r = 0; r < 8; r++) {
                __m512i av = bcast4(a[r] + k);
                c[r][0] = _mm512_dpbusd_epi32(c[r][0], av, b0);
                c[r][1] = _mm512_dpbusd_epi32(c[r][1], av, b1);
            }
        }
    }
    if (e->rounding == I8K_ROUND_DOUBLE) {
        for (int r = 0; r < mr; r++) {
            store16(c[r][0], e, n0, nr, out + r * ldo);
            store16(c[r][1], e, n0 + 16, nr - 16, out + r * ldo + 16);
        }
    } else {
        int32_t acc[8][32];
        for (int r = 0; r < 8; r++) {
            _mm512_storeu_si512(acc[r], c[r][0]);
            _mm512_storeu_si512(acc[r] + 16, c[r][1]);
        }
        i8k_epilogue_tile(&acc[0][0], 32, mr, n0, nr, e, out, ldo);
    }
}

const i8k_kernel i8k_kernel_vnni = {.mr = 8, .nr = 32, .kgroup = 4, .elem_bytes = 1, .offset = 128,
                                    .tile = tile_vnni};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 16 independent vpdpbusd chains (more than latency x throughput), 64 MACs each. */
X86_VNNI double i8k_peak_vnni(double seconds) {
    volatile int32_t seed = 0x01020304;
    __m512i a = _mm512_set1_epi32(seed), b = _mm512_set1_epi32(seed + 1);
    __m512i acc[16];
    for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_epi32(i);
    double best = 0, start = now_seconds(), end = start + seconds;
    while (now_seconds() < end) {
        double t0 = now_seconds();
        for (int it = 0; it < 20000; it++) {
#pragma clang loop unroll(full)
            for (int i = 0; i < 16; i++) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
        }
        double rate = 20000.0 * 16 * 64 / (now_seconds() - t0) / 1e9;
        best = rate > best ? rate : best;
    }
    __m512i sum = acc[0];
    for (int i = 1; i < 16; i++) sum = _mm512_add_epi32(sum, acc[i]);
    seed = _mm512_reduce_add_epi32(sum);
    return best;
}
#endif
