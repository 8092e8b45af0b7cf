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

/* Per-tile constants of 16 channels for the folded double rounding (i8k_fold_double_rounding). */
typedef struct {
    __m512i comp, lshift, mult, mult_odd, add_even, add_odd, fix_even, fix_odd, total_even, total_odd, table_base;
} chan16;

X86_VNNI static inline chan16 load_chan16(const i8k_epilogue *e, int n) {
    const int64_t *f = e->folded + (size_t)(n / 16) * 48;
    chan16 k;
    k.comp = _mm512_loadu_si512(e->comp + n);
    k.lshift = _mm512_loadu_si512(e->lshift + n);
    k.mult = _mm512_loadu_si512(e->mult + n);
    k.mult_odd = _mm512_srli_epi64(k.mult, 32);
    k.add_even = _mm512_loadu_si512(f);
    k.add_odd = _mm512_loadu_si512(f + 8);
    k.fix_even = _mm512_loadu_si512(f + 16);
    k.fix_odd = _mm512_loadu_si512(f + 24);
    k.total_even = _mm512_loadu_si512(f + 32);
    k.total_odd = _mm512_loadu_si512(f + 40);
    k.table_base = _mm512_add_epi32(_mm512_set1_epi32(128 + n * 256),
                                    _mm512_slli_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 8));
    return k;
}

/* (P + add - (P < -2^30 ? fix : 0)) >> total on the 8 products of one lane parity. Without the
 * correction (exact_negatives == 0) a negative high-mul result h rounds to at most 0 instead of
 * exactly: floor((h + 2^(r-1)) / 2^r) <= 0 for h <= -1, so it still clamps to act_min when
 * act_min >= out_zp. */
X86_VNNI static inline __m512i round64(__m512i p, __m512i add, __m512i fix, __m512i total, int exact_negatives) {
    __m512i t = _mm512_add_epi64(p, add);
    if (exact_negatives) {
        __mmask8 neg = _mm512_cmplt_epi64_mask(p, _mm512_set1_epi64(-((int64_t)1 << 30)));
        t = _mm512_mask_sub_epi64(t, neg, t, fix);
    }
    return _mm512_srav_epi64(t, total);
}

/* Requantize 16 raw accumulators of channels n..n+15 and store `count` int8 results. */
X86_VNNI static inline void store16(__m512i acc, const chan16 *k, const i8k_epilogue *e, int count, int8_t *dst) {
#ifdef I8K_NO_EPI
    _mm_storeu_si128((__m128i *)dst, _mm512_cvtepi32_epi8(acc)); return;
#endif
    __m512i x = _mm512_sub_epi32(acc, k->comp);
    if (e->any_lshift) x = _mm512_sllv_epi32(x, k->lshift);
    int exact = !e->clamps_negatives;
    __m512i even = round64(_mm512_mul_epi32(x, k->mult), k->add_even, k->fix_even, k->total_even, exact);
    __m512i odd = round64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), k->mult_odd), k->add_odd, k->fix_odd,
                          k->total_odd, exact);
    x = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
    x = _mm512_add_epi32(x, _mm512_set1_epi32(e->out_zp));
    x = _mm512_max_epi32(x, _mm512_set1_epi32(e->act_min));
    x = _mm512_min_epi32(x, _mm512_set1_epi32(e->act_max));
    /* Dword gathers at byte offsets into the byte table (its low byte is the entry): a quarter of
     * the int32 table's footprint keeps 128-channel tables in L1. */
    if (e->table8) x = _mm512_i32gather_epi32(_mm512_add_epi32(x, k->table_base), e->table8, 1);
    __m128i bytes = _mm512_cvtepi32_epi8(x);
    if (count >= 16) _mm_storeu_si128((__m128i *)dst, bytes);
    else if (count > 0) _mm_mask_storeu_epi8(dst, (__mmask16)((1u << count) - 1), bytes);
}

/* One row (a fully connected layer at batch 1): four independent chains per column half instead
 * of eight duplicated rows, so the weight loads, not the vpdpbusd latency, set the pace. */
X86_VNNI static void row_vnni(const uint8_t *row, const ptrdiff_t *seg_off, int nseg, int seg_len, const int8_t *b,
                              __m512i *out0, __m512i *out1) {
    __m512i c0[4], c1[4];
    for (int j = 0; j < 4; j++) c0[j] = c1[j] = _mm512_setzero_si512();
    for (int s = 0; s < nseg; s++) {
        const uint8_t *a = row + seg_off[s];
        int k = 0;
        for (; k + 16 <= seg_len; k += 16, b += 512) {
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) {
                __m512i av = bcast4(a + k + 4 * j);
                c0[j] = _mm512_dpbusd_epi32(c0[j], av, _mm512_loadu_si512(b + 128 * j));
                c1[j] = _mm512_dpbusd_epi32(c1[j], av, _mm512_loadu_si512(b + 128 * j + 64));
            }
        }
        for (; k < seg_len; k += 4, b += 128) {
            __m512i av = bcast4(a + k);
            c0[0] = _mm512_dpbusd_epi32(c0[0], av, _mm512_loadu_si512(b));
            c1[0] = _mm512_dpbusd_epi32(c1[0], av, _mm512_loadu_si512(b + 64));
        }
    }
    *out0 = _mm512_add_epi32(_mm512_add_epi32(c0[0], c0[1]), _mm512_add_epi32(c0[2], c0[3]));
    *out1 = _mm512_add_epi32(_mm512_add_epi32(c1[0], c1[1]), _mm512_add_epi32(c1[2], c1[3]));
}

X86_VNNI static void tile_vnni(const uint8_t *const *rows, int mr, const ptrdiff_t *seg_off, int nseg,
                               int seg_len, const void *bp, const i8k_epilogue *e, int n0, int nr,
                               int8_t *out, ptrdiff_t ldo) {
    if (mr == 1) {
        __m512i c0, c1;
        row_vnni(rows[0], seg_off, nseg, seg_len, bp, &c0, &c1);
        if (e->rounding == I8K_ROUND_DOUBLE) {
            chan16 k0 = load_chan16(e, n0), k1 = load_chan16(e, n0 + 16);
            store16(c0, &k0, e, nr, out);
            store16(c1, &k1, e, nr - 16, out + 16);
        } else {
            int32_t acc[32];
            _mm512_storeu_si512(acc, c0);
            _mm512_storeu_si512(acc + 16, c1);
            i8k_epilogue_tile(acc, 32, 1, n0, nr, e, out, ldo);
        }
        return;
    }
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
    /* Fully unrolled with constant indices, so that c[][] stays in registers in the k loop. */
    if (e->rounding == I8K_ROUND_DOUBLE) {
        chan16 k0 = load_chan16(e, n0), k1 = load_chan16(e, n0 + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < 8; r++) {
            if (r < mr) {
                store16(c[r][0], &k0, e, nr, out + r * ldo);
                store16(c[r][1], &k1, e, nr - 16, out + r * ldo + 16);
            }
        }
    } else {
        int32_t acc[8][32];
#pragma clang loop unroll(full)
        for (int r = 0; r < 8; r++) {
            _mm512_storeu_si512(acc[r], c[r][0]);
            _mm512_storeu_si512(acc[r] + 16, c[r][1]);
        }
        i8k_epilogue_tile(&acc[0][0], 32, mr, n0, nr, e, out, ldo);
    }
}

const i8k_kernel i8k_kernel_vnni = {.mr = 8, .nr = 32, .kgroup = 4, .elem_bytes = 1, .offset = 128, .act_bytes = 1,
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
