/* DEPTHWISE_CONV_2D: per output pixel, int32 accumulators over the channels, tap by tap (the
 * channel loop vectorizes), then the shared scalar requantization epilogue. Depthwise layers
 * have few MACs per output, so the epilogue and memory traffic, not the multiplies, set the pace. */
#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>

struct i8k_depthwise {
    i8k_conv_geometry g;
    int multiplier;     /* output channels per input channel */
    int32_t input_zp;
    int16_t *weights;   /* [kh * kw][out_c], widened once */
    int32_t *consts;    /* comp (= -bias), mult, lshift, rshift: out_c each */
    i8k_epilogue epi;
};

i8k_depthwise *i8k_depthwise_create(const i8k_conv_geometry *g, int depth_multiplier, const int8_t *weights,
                                    const i8k_requant *rq) {
    if (i8k_conv_geometry_check(g) != 0 || depth_multiplier < 1 || g->out_c != g->in_c * depth_multiplier) return NULL;
    i8k_depthwise *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    int n = g->out_c, taps = g->kernel_h * g->kernel_w;
    d->g = *g;
    d->multiplier = depth_multiplier;
    d->input_zp = rq->input_zero_point;
    d->weights = malloc((size_t)taps * n * sizeof(int16_t));
    d->consts = calloc((size_t)n * 4 + (rq->post_table ? (size_t)n * 256 : 0), sizeof(int32_t));
    if (!d->weights || !d->consts) {
        i8k_depthwise_destroy(d);
        return NULL;
    }
    for (size_t i = 0; i < (size_t)taps * n; i++) d->weights[i] = weights[i];
    int32_t *comp = d->consts, *mult = comp + n, *lsh = mult + n, *rsh = lsh + n;
    for (int o = 0; o < n; o++) {
        comp[o] = rq->bias ? (int32_t)(0u - (uint32_t)rq->bias[o]) : 0;
        mult[o] = rq->multiplier[o];
        int sh = rq->shift[o];
        if (rq->rounding == I8K_ROUND_DOUBLE) lsh[o] = sh > 0 ? sh : 0, rsh[o] = sh > 0 ? 0 : -sh;
        else rsh[o] = 31 - sh;
    }
    if (rq->post_table) {
        int32_t *table = rsh + n;
        for (size_t i = 0; i < (size_t)n * 256; i++) table[i] = rq->post_table[i];
        d->epi.table = table;
    }
    d->epi.comp = comp, d->epi.mult = mult, d->epi.lshift = lsh, d->epi.rshift = rsh;
    d->epi.out_zp = rq->output_zero_point, d->epi.act_min = rq->act_min, d->epi.act_max = rq->act_max;
    d->epi.rounding = rq->rounding;
    return d;
}

void i8k_depthwise_destroy(i8k_depthwise *d) {
    if (!d) return;
    free(d->weights);
    free(d->consts);
    free(d);
}

size_t i8k_depthwise_workspace_size(const i8k_depthwise *d) { return (size_t)d->g.out_c * sizeof(int32_t) + 64; }

static void accumulate(int32_t *restrict acc, const int8_t *restrict x, const int16_t *restrict w, int in_c,
                       int multiplier, int32_t zp) {
    if (multiplier == 1) {
        for (int c = 0; c < in_c; c++) acc[c] += (int32_t)(x[c] - zp) * w[c];
        return;
    }
    for (int c = 0; c < in_c; c++)
        for (int m = 0; m < multiplier; m++) acc[c * multiplier + m] += (int32_t)(x[c] - zp) * w[c * multiplier + m];
}

void i8k_depthwise_run(const i8k_depthwise *d, const int8_t *input, int batch, int8_t *output, void *workspace) {
    const i8k_conv_geometry *g = &d->g;
    int n = g->out_c;
    int32_t *acc = (int32_t *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    for (int b = 0; b < batch; b++)
        for (int oy = 0; oy < g->out_h; oy++)
            for (int ox = 0; ox < g->out_w; ox++) {
                memset(acc, 0, (size_t)n * sizeof(int32_t));
                for (int ky = 0; ky < g->kernel_h; ky++) {
                    int iy = oy * g->stride_h + ky * g->dilation_h - g->pad_top;
                    if (iy < 0 || iy >= g->in_h) continue;
                    for (int kx = 0; kx < g->kernel_w; kx++) {
                        int ix = ox * g->stride_w + kx * g->dilation_w - g->pad_left;
                        if (ix < 0 || ix >= g->in_w) continue;
                        accumulate(acc, input + (((size_t)b * g->in_h + iy) * g->in_w + ix) * g->in_c,
                                   d->weights + (size_t)(ky * g->kernel_w + kx) * n, g->in_c, d->multiplier, d->input_zp);
                    }
                }
                i8k_epilogue_tile(acc, n, 1, 0, n, &d->epi, output + (((size_t)b * g->out_h + oy) * g->out_w + ox) * n, n);
            }
}
