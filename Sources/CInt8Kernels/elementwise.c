/* Elementwise int8 helpers: VALID max pooling and per-channel table maps. Plain loops that the
 * compiler vectorizes; they are memory-bound and small next to the convolutions. */
#include "int8kernels.h"
#include <string.h>

static inline void max_into(int8_t *restrict dst, const int8_t *restrict src, int n) {
    for (int c = 0; c < n; c++) dst[c] = src[c] > dst[c] ? src[c] : dst[c];
}

void i8k_max_pool(const int8_t *input, int batch, int in_h, int in_w, int channels, int filter_h,
                  int filter_w, int stride_h, int stride_w, int out_h, int out_w, int32_t act_min,
                  int32_t act_max, int8_t *output) {
    int8_t lo = (int8_t)(act_min < -128 ? -128 : act_min), hi = (int8_t)(act_max > 127 ? 127 : act_max);
    for (int b = 0; b < batch; b++)
        for (int oy = 0; oy < out_h; oy++)
            for (int ox = 0; ox < out_w; ox++) {
                int8_t *restrict dst = output + (((size_t)b * out_h + oy) * out_w + ox) * channels;
                memset(dst, lo, (size_t)channels); /* max(-128, taps...) clamped below at lo */
                int y1 = oy * stride_h + filter_h < in_h ? oy * stride_h + filter_h : in_h;
                int x1 = ox * stride_w + filter_w < in_w ? ox * stride_w + filter_w : in_w;
                for (int iy = oy * stride_h; iy < y1; iy++)
                    for (int ix = ox * stride_w; ix < x1; ix++)
                        max_into(dst, input + (((size_t)b * in_h + iy) * in_w + ix) * channels, channels);
                for (int c = 0; c < channels; c++) dst[c] = dst[c] > hi ? hi : dst[c];
            }
}

void i8k_channel_lut(const int8_t *input, size_t pixels, int channels, const int8_t *table, int8_t *output) {
    for (size_t p = 0; p < pixels; p++) {
        const int8_t *src = input + p * (size_t)channels;
        int8_t *dst = output + p * (size_t)channels;
        for (int c = 0; c < channels; c++) dst[c] = table[(size_t)c * 256 + (size_t)(src[c] + 128)];
    }
}
