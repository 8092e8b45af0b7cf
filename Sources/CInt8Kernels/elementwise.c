/* Elementwise int8 helpers: VALID max pooling and per-channel table maps. Plain loops that the
 * compiler vectorizes; they are memory-bound and small next to the convolutions. */
#include "int8kernels.h"
#include <string.h>

void i8k_max_pool(const int8_t *input, int batch, int in_h, int in_w, int channels, int filter_h,
                  int filter_w, int stride_h, int stride_w, int out_h, int out_w, int32_t act_min,
                  int32_t act_max, int8_t *output) {
    int8_t lo = (int8_t)(act_min < -128 ? -128 : act_min), hi = (int8_t)(act_max > 127 ? 127 : act_max);
    for (int b = 0; b < batch; b++)
        for (int oy = 0; oy < out_h; oy++)
            for (int ox = 0; ox < out_w; ox++) {
                int8_t *dst = output + (((size_t)b * out_h + oy) * out_w + ox) * channels;
                for (int c = 0; c < channels; c++) dst[c] = -128;
                for (int fy = 0; fy < filter_h; fy++) {
                    int iy = oy * stride_h + fy;
                    if (iy >= in_h) break;
                    for (int fx = 0; fx < filter_w; fx++) {
                        int ix = ox * stride_w + fx;
                        if (ix >= in_w) break;
                        const int8_t *src = input + (((size_t)b * in_h + iy) * in_w + ix) * channels;
                        for (int c = 0; c < channels; c++) dst[c] = src[c] > dst[c] ? src[c] : dst[c];
                    }
                }
                for (int c = 0; c < channels; c++) {
                    int8_t v = dst[c] < lo ? lo : dst[c];
                    dst[c] = v > hi ? hi : v;
                }
            }
}

void i8k_channel_lut(const int8_t *input, size_t pixels, int channels, const int8_t *table, int8_t *output) {
    for (size_t p = 0; p < pixels; p++) {
        const int8_t *src = input + p * (size_t)channels;
        int8_t *dst = output + p * (size_t)channels;
        for (int c = 0; c < channels; c++) dst[c] = table[(size_t)c * 256 + (size_t)(src[c] + 128)];
    }
}
