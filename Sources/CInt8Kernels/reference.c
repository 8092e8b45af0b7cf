/* The scalar reference: TFLite's reference conv (tensorflow/lite/kernels/internal/reference/
 * integer_ops/conv.h) written for clarity. Every optimized kind is tested against it. */
#include "kernels_internal.h"

int32_t i8k_requantize(int32_t acc, int32_t multiplier, int32_t shift, i8k_rounding rounding) {
    if (rounding == I8K_ROUND_DOUBLE) {
        int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
        return i8k_rdbpot(i8k_srdhm((int32_t)((uint32_t)acc << left), multiplier), right);
    }
    int total = 31 - shift;
    int64_t wide = ((int64_t)acc * multiplier + ((int64_t)1 << (total - 1))) >> total;
    return wide > INT32_MAX ? INT32_MAX : wide < INT32_MIN ? INT32_MIN : (int32_t)wide; /* saturate */
}

void i8k_ref_conv(const i8k_conv_geometry *g, const int8_t *w, const i8k_requant *rq,
                  const int8_t *input, int batch, int8_t *output) {
    for (int b = 0; b < batch; b++)
        for (int oy = 0; oy < g->out_h; oy++)
            for (int ox = 0; ox < g->out_w; ox++)
                for (int o = 0; o < g->out_c; o++) {
                    int32_t acc = rq->bias ? rq->bias[o] : 0;
                    for (int ky = 0; ky < g->kernel_h; ky++)
                        for (int kx = 0; kx < g->kernel_w; kx++) {
                            int iy = oy * g->stride_h + ky * g->dilation_h - g->pad_top;
                            int ix = ox * g->stride_w + kx * g->dilation_w - g->pad_left;
                            if (iy < 0 || iy >= g->in_h || ix < 0 || ix >= g->in_w) continue;
                            const int8_t *x = input + (((size_t)b * g->in_h + iy) * g->in_w + ix) * g->in_c;
                            const int8_t *k = w + (((size_t)o * g->kernel_h + ky) * g->kernel_w + kx) * g->in_c;
                            for (int c = 0; c < g->in_c; c++)
                                acc += (x[c] - rq->input_zero_point) * k[c];
                        }
                    int32_t v = i8k_requantize(acc, rq->multiplier[o], rq->shift[o], rq->rounding);
                    v += rq->output_zero_point;
                    v = v < rq->act_min ? rq->act_min : v;
                    v = v > rq->act_max ? rq->act_max : v;
                    if (rq->post_table) v = rq->post_table[(size_t)o * 256 + (size_t)(v + 128)];
                    output[(((size_t)b * g->out_h + oy) * g->out_w + ox) * g->out_c + o] = (int8_t)v;
                }
}
