/* Convolution driver: packs the weights once, then per call copies the input into a padded
 * buffer in the kernel's activation domain and runs the tile kernel over output-pixel blocks.
 * The padded buffer makes im2col implicit: each output pixel's receptive field is kernel_h
 * contiguous runs of kernel_w * cp bytes (dilation_w == 1) that the tile kernels read in place. */
#include "kernels_internal.h"
#include "pool_internal.h"
#include <stdlib.h>
#include <string.h>

struct i8k_conv {
    i8k_conv_geometry g;
    i8k_kind kind;
    const i8k_kernel *kern;
    int cp;     /* channels padded to a multiple of 4; extra channels have zero weights */
    int cpb;    /* bytes of one padded pixel: cp * act_bytes */
    int hp, wp; /* padded input extent actually read */
    int kp;     /* packed depth kernel_h * kernel_w * cp */
    int nseg, seg_len;
    ptrdiff_t *seg_off;
    int n_pad;
    uint8_t pad_byte; /* input zero point in the kernel's activation domain */
    void *packed;
    int32_t *consts; /* comp, mult, lshift, rshift: n_pad each; then the optional table */
    int64_t *folded; /* i8k_epilogue.folded */
    i8k_epilogue epi;
    /* optional VALID max pool in front (i8k_conv_fuse_max_pool); pool_fh == 0: none */
    int pool_fh, pool_fw, pool_sh, pool_sw, src_h, src_w;
    int8_t pool_lo, pool_hi;
};

i8k_conv_geometry i8k_fc_geometry(int in_features, int out_features) {
    return (i8k_conv_geometry){.in_h = 1, .in_w = 1, .in_c = in_features, .out_h = 1, .out_w = 1,
                               .out_c = out_features, .kernel_h = 1, .kernel_w = 1, .stride_h = 1,
                               .stride_w = 1, .dilation_h = 1, .dilation_w = 1};
}

int i8k_conv_geometry_check(const i8k_conv_geometry *g) {
    if (g->in_h < 1 || g->in_w < 1 || g->in_c < 1) return -1;
    if (g->out_h < 1 || g->out_w < 1 || g->out_c < 1) return -2;
    if (g->kernel_h < 1 || g->kernel_w < 1) return -3;
    if (g->stride_h < 1 || g->stride_w < 1) return -4;
    if (g->dilation_h < 1 || g->dilation_w < 1) return -5;
    if (g->pad_top < 0 || g->pad_left < 0) return -6;
    /* the last window must start inside the padded input */
    if ((int64_t)(g->out_h - 1) * g->stride_h > (int64_t)g->in_h + g->pad_top + 4096) return -7;
    if ((int64_t)(g->out_w - 1) * g->stride_w > (int64_t)g->in_w + g->pad_left + 4096) return -7;
    int64_t k = (int64_t)g->kernel_h * g->kernel_w * ((g->in_c + 3) & ~3);
    if (k > (1 << 24) || (int64_t)g->out_c > (1 << 24)) return -8;
    return 0;
}

/* Packs w[n][k] (k < kp, n < out_c) into [n_pad/nr][kp/kgroup][nr][kgroup] elements. */
static void pack_weights(const i8k_kernel *kern, const int8_t *w, int n, int kp, int n_pad, void *out) {
    int nr = kern->nr, g = kern->kgroup;
    size_t i = 0;
    for (int jb = 0; jb < n_pad; jb += nr)
        for (int k0 = 0; k0 < kp; k0 += g)
            for (int c = 0; c < nr; c++)
                for (int t = 0; t < g; t++, i++) {
                    int col = jb + c;
                    int8_t v = col < n ? w[(size_t)col * kp + k0 + t] : 0;
                    if (kern->elem_bytes == 2) ((int16_t *)out)[i] = v;
                    else ((int8_t *)out)[i] = v;
                }
}

i8k_conv *i8k_conv_create(const i8k_conv_geometry *g, const int8_t *weights, const i8k_requant *rq,
                          i8k_kind kind) {
    if (i8k_conv_geometry_check(g) != 0) return NULL;
    const i8k_kernel *kern = i8k_kernel_for(kind);
    if (!kern) return NULL;
    i8k_conv *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->g = *g;
    c->kind = kind == I8K_BEST ? i8k_best_kind() : kind;
    c->kern = kern;
    c->cp = (g->in_c + 3) & ~3;
    c->cpb = c->cp * kern->act_bytes;
    c->hp = (g->out_h - 1) * g->stride_h + (g->kernel_h - 1) * g->dilation_h + 1;
    c->wp = (g->out_w - 1) * g->stride_w + (g->kernel_w - 1) * g->dilation_w + 1;
    c->kp = g->kernel_h * g->kernel_w * c->cp;
    if (g->dilation_w == 1) {
        c->nseg = g->kernel_h;
        c->seg_len = g->kernel_w * c->cp;
    } else {
        c->nseg = g->kernel_h * g->kernel_w;
        c->seg_len = c->cp;
    }
    c->n_pad = (g->out_c + kern->nr - 1) / kern->nr * kern->nr;
    c->pad_byte = (uint8_t)(rq->input_zero_point + kern->offset);
    int n = g->out_c, kp = c->kp, n_pad = c->n_pad;
    int8_t *wk = calloc((size_t)n * kp, 1);
    c->seg_off = calloc((size_t)c->nseg, sizeof(ptrdiff_t));
    size_t packed_bytes = ((size_t)n_pad * kp * kern->elem_bytes + 63) & ~(size_t)63;
    c->packed = aligned_alloc(64, packed_bytes); /* 64-byte rows: no zmm load splits a cache line */
    if (c->packed) memset(c->packed, 0, packed_bytes);
    size_t nconsts = (size_t)n_pad * 4 + (rq->post_table ? (size_t)n_pad * (256 + 64) + 1 : 0);
    c->folded = calloc((size_t)(n_pad + 15) / 16 * 48, sizeof(int64_t));
    c->consts = calloc(nconsts, sizeof(int32_t));
    if (!wk || !c->seg_off || !c->packed || !c->consts || !c->folded) {
        free(wk);
        i8k_conv_destroy(c);
        return NULL;
    }
    for (int s = 0; s < c->nseg; s++) {
        int dy = g->dilation_w == 1 ? s : s / g->kernel_w;
        int dx = g->dilation_w == 1 ? 0 : s % g->kernel_w;
        c->seg_off[s] = ((ptrdiff_t)dy * g->dilation_h * c->wp + (ptrdiff_t)dx * g->dilation_w) * c->cpb;
    }
    /* OHWI -> [n][(dy, dx, c < cp)] with zero weights for the padding channels */
    for (int o = 0; o < n; o++)
        for (int t = 0; t < g->kernel_h * g->kernel_w; t++)
            memcpy(wk + (size_t)o * kp + (size_t)t * c->cp,
                   weights + ((size_t)o * g->kernel_h * g->kernel_w + t) * g->in_c, (size_t)g->in_c);
    pack_weights(kern, wk, n, kp, n_pad, c->packed);

    int32_t *comp = c->consts, *mult = comp + n_pad, *lsh = mult + n_pad, *rsh = lsh + n_pad;
    for (int o = 0; o < n_pad; o++) {
        if (o >= n) {
            rsh[o] = rq->rounding == I8K_ROUND_DOUBLE ? 0 : 31;
            continue;
        }
        int64_t colsum = 0;
        for (int k = 0; k < kp; k++) colsum += wk[(size_t)o * kp + k];
        /* sum (x + off) w - (off + zp) colsum + bias = bias + sum (x - zp) w; padding taps hold
         * zp + off and so add nothing. All of it modulo 2^32, like the accumulators. */
        int64_t corr = (int64_t)(kern->offset + rq->input_zero_point) * colsum - (rq->bias ? rq->bias[o] : 0);
        comp[o] = (int32_t)(uint32_t)(uint64_t)corr;
        mult[o] = rq->multiplier[o];
        int sh = rq->shift[o];
        if (rq->rounding == I8K_ROUND_DOUBLE) {
            lsh[o] = sh > 0 ? sh : 0;
            rsh[o] = sh > 0 ? 0 : -sh;
        } else {
            rsh[o] = 31 - sh;
        }
    }
    free(wk);
    for (int o = 0; o < n_pad && rq->rounding == I8K_ROUND_DOUBLE; o++) {
        if (lsh[o] != 0) c->epi.any_lshift = 1;
        int64_t *group = c->folded + (size_t)(o / 16) * 48;
        int lane = (o % 16) / 2 + (o % 2) * 8; /* even channels first, then odd */
        i8k_fold_double_rounding(rsh[o], group + lane, group + 16 + lane, group + 32 + lane);
    }
    if (rq->post_table) {
        int32_t *table = rsh + n_pad;
        int8_t *table8 = (int8_t *)(table + (size_t)n_pad * 256);
        for (size_t i = 0; i < (size_t)n * 256; i++) table[i] = table8[i] = rq->post_table[i];
        c->epi.table = table;
        c->epi.table8 = table8;
    }
    c->epi.folded = c->folded;
    c->epi.comp = comp;
    c->epi.mult = mult;
    c->epi.lshift = lsh;
    c->epi.rshift = rsh;
    c->epi.clamps_negatives = rq->act_min >= rq->output_zero_point;
    c->epi.out_zp = rq->output_zero_point;
    c->epi.act_min = rq->act_min;
    c->epi.act_max = rq->act_max;
    c->epi.rounding = rq->rounding;
    return c;
}

void i8k_conv_destroy(i8k_conv *c) {
    if (!c) return;
    free(c->seg_off);
    free(c->packed);
    free(c->consts);
    free(c->folded);
    free(c);
}

i8k_kind i8k_conv_kind(const i8k_conv *c) { return c->kind; }

size_t i8k_conv_workspace_size(const i8k_conv *c, int batch) {
    return (size_t)batch * c->hp * c->wp * c->cpb + 64;
}

typedef struct {
    const i8k_conv *c;
    const int8_t *input;
    int8_t *output;
    uint8_t *padded;
    int batch, blocks;
} run_ctx;

/* One padded row: the input row shifted by pad_left, in the kernel's activation domain. */
int i8k_conv_fuse_max_pool(i8k_conv *c, int src_h, int src_w, int filter_h, int filter_w, int stride_h,
                           int stride_w, int32_t act_min, int32_t act_max) {
    const i8k_conv_geometry *g = &c->g;
    if (filter_h < 1 || filter_w < 1 || stride_h < 1 || stride_w < 1 || src_h < 1 || src_w < 1) return -1;
    if ((int64_t)(g->in_h - 1) * stride_h >= src_h || (int64_t)(g->in_w - 1) * stride_w >= src_w) return -2;
    if (act_min < -128 || act_max > 127 || act_min > act_max) return -3;
    if (c->kern->act_bytes != 1) return -4; /* the int16 copy (AVX2) pools in a separate pass */
    c->pool_fh = filter_h, c->pool_fw = filter_w, c->pool_sh = stride_h, c->pool_sw = stride_w;
    c->src_h = src_h, c->src_w = src_w;
    c->pool_lo = (int8_t)act_min, c->pool_hi = (int8_t)act_max;
    return 0;
}

/* One conv input pixel from the max pool over the source: max(act_min, in-bounds taps), then
 * min(act_max), as the reference's clamp(max(-128, taps)). */
static void pool_pixel(const i8k_conv *c, const int8_t *image, int iy, int ix, uint8_t *restrict dst, uint8_t flip) {
    int in_c = c->g.in_c;
    int8_t best[64];
    int y1 = iy * c->pool_sh + c->pool_fh, x1 = ix * c->pool_sw + c->pool_fw;
    y1 = y1 < c->src_h ? y1 : c->src_h;
    x1 = x1 < c->src_w ? x1 : c->src_w;
    for (int c0 = 0; c0 < in_c; c0 += 64) {
        int n = in_c - c0 < 64 ? in_c - c0 : 64;
        for (int k = 0; k < n; k++) best[k] = c->pool_lo;
        for (int y = iy * c->pool_sh; y < y1; y++)
            for (int x = ix * c->pool_sw; x < x1; x++) {
                const int8_t *restrict s = image + ((size_t)y * c->src_w + x) * in_c + c0;
                for (int k = 0; k < n; k++) best[k] = s[k] > best[k] ? s[k] : best[k];
            }
        for (int k = 0; k < n; k++) dst[c0 + k] = (uint8_t)(best[k] < c->pool_hi ? best[k] : c->pool_hi) ^ flip;
    }
    for (int k = in_c; k < c->cp; k++) dst[k] = c->pad_byte;
}

/* fill_rows for kernels that take int16 activations (offset 0): x widened, padding = zero point. */
static void fill_rows16(void *raw, int begin, int end) {
    run_ctx *ctx = raw;
    const i8k_conv *c = ctx->c;
    const i8k_conv_geometry *g = &c->g;
    int16_t pad = (int16_t)(int8_t)c->pad_byte;
    for (int row = begin; row < end; row++) {
        int b = row / c->hp, iy = row % c->hp - g->pad_top;
        int16_t *dst = (int16_t *)(ctx->padded + (size_t)row * c->wp * c->cpb);
        int row_inside = iy >= 0 && iy < g->in_h;
        for (int x = 0; x < c->wp; x++) {
            int ix = x - g->pad_left;
            int16_t *d = dst + (size_t)x * c->cp;
            if (!row_inside || ix < 0 || ix >= g->in_w) {
                for (int ch = 0; ch < c->cp; ch++) d[ch] = pad;
                continue;
            }
            const int8_t *s = ctx->input + (((size_t)b * g->in_h + iy) * g->in_w + ix) * g->in_c;
            for (int ch = 0; ch < c->cp; ch++) d[ch] = ch < g->in_c ? s[ch] : pad;
        }
    }
}

static void fill_rows(void *raw, int begin, int end) {
    run_ctx *ctx = raw;
    const i8k_conv *c = ctx->c;
    const i8k_conv_geometry *g = &c->g;
    size_t row_bytes = (size_t)c->wp * c->cp;
    uint8_t flip = c->kern->offset == 128 ? 0x80 : 0;
    for (int row = begin; row < end; row++) {
        int b = row / c->hp, iy = row % c->hp - g->pad_top;
        uint8_t *dst = ctx->padded + (size_t)row * row_bytes;
        if (iy < 0 || iy >= g->in_h) {
            memset(dst, c->pad_byte, row_bytes);
            continue;
        }
        const uint8_t *src = (const uint8_t *)ctx->input + ((size_t)b * g->in_h + iy) * g->in_w * g->in_c;
        int x0 = g->pad_left, x1 = g->pad_left + g->in_w; /* padded columns that hold input */
        if (x1 > c->wp) x1 = c->wp;
        if (x0 > c->wp) x0 = c->wp;
        memset(dst, c->pad_byte, (size_t)x0 * c->cp);
        if (c->pool_fh) {
            const int8_t *image = ctx->input + (size_t)b * c->src_h * c->src_w * g->in_c;
            for (int x = x0; x < x1; x++) pool_pixel(c, image, iy, x - x0, dst + (size_t)x * c->cp, flip);
        } else if (c->cp == g->in_c) {
            size_t len = (size_t)(x1 - x0) * c->cp;
            uint8_t *d = dst + (size_t)x0 * c->cp;
            for (size_t i = 0; i < len; i++) d[i] = src[i] ^ flip;
        } else {
            int in_c = g->in_c, cp = c->cp;
            for (int x = x0; x < x1; x++) {
                uint8_t *d = dst + (size_t)x * cp;
                const uint8_t *s = src + (size_t)(x - x0) * in_c;
                for (int ch = 0; ch < cp; ch++) d[ch] = ch < in_c ? s[ch] ^ flip : c->pad_byte;
            }
        }
        memset(dst + (size_t)x1 * c->cp, c->pad_byte, (size_t)(c->wp - x1) * c->cp);
    }
}

static void run_blocks(void *raw, int begin, int end) {
    run_ctx *ctx = raw;
    const i8k_conv *c = ctx->c;
    const i8k_conv_geometry *g = &c->g;
    const i8k_kernel *kern = c->kern;
    int mr = kern->mr, nr = kern->nr, n = g->out_c;
    int pixels = g->out_h * g->out_w, m_total = ctx->batch * pixels;
    size_t bstride = (size_t)kern->nr * c->kp * kern->elem_bytes;
    const uint8_t *rows[I8K_MR_MAX];
    /* Walk output pixels (b, oy, ox) incrementally: divisions per row cost as much as small tiles. */
    int m = begin * mr, b = m / pixels, oy = m % pixels / g->out_w, ox = m % g->out_w;
    size_t x_step = (size_t)g->stride_w * c->cpb, y_step = (size_t)g->stride_h * c->wp * c->cpb;
    size_t b_step = (size_t)c->hp * c->wp * c->cpb;
    for (int blk = begin; blk < end; blk++) {
        int m0 = blk * mr, mcount = m_total - m0 < mr ? m_total - m0 : mr;
        for (int r = 0; r < mcount; r++) {
            rows[r] = ctx->padded + (size_t)b * b_step + (size_t)oy * y_step + (size_t)ox * x_step;
            if (++ox == g->out_w) {
                ox = 0;
                if (++oy == g->out_h) oy = 0, b++;
            }
        }
        for (int r = mcount; r < mr; r++) rows[r] = rows[mcount - 1];
        for (int n0 = 0; n0 < n; n0 += nr) {
            int ncount = n - n0 < nr ? n - n0 : nr;
            kern->tile(rows, mcount, c->seg_off, c->nseg, c->seg_len,
                       (const uint8_t *)c->packed + (size_t)(n0 / nr) * bstride, &c->epi, n0, ncount,
                       ctx->output + (size_t)m0 * n + n0, n);
        }
    }
}

void i8k_conv_run(const i8k_conv *c, const int8_t *input, int batch, int8_t *output, void *workspace,
                  i8k_pool *pool) {
    uint8_t *padded = (uint8_t *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    int m_total = batch * c->g.out_h * c->g.out_w;
    run_ctx ctx = {c, input, output, padded, batch, (m_total + c->kern->mr - 1) / c->kern->mr};
    i8k_parallel(pool, batch * c->hp, c->kern->act_bytes == 2 ? fill_rows16 : fill_rows, &ctx);
    i8k_parallel(pool, ctx.blocks, run_blocks, &ctx);
}
