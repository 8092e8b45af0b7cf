#pragma once
#include <stddef.h>
#include <stdint.h>

/* How a decoded JPEG becomes 8-bit gray. */
typedef enum {
    JPEGC_GRAY_LUMA = 0,      /* libjpeg JCS_GRAYSCALE: the Y plane, no colour conversion (fast path) */
    JPEGC_GRAY_OPENCV_BGR = 1 /* decode to RGB, then OpenCV's BGR2GRAY integer formula (bit-exact with cv2) */
} jpegc_gray_mode;

/* Result codes. Every failure leaves a human-readable message in `msg`. */
enum {
    JPEGC_OK = 0,
    JPEGC_ERR_CORRUPT = -1,   /* libjpeg raised an error */
    JPEGC_ERR_WARNING = -2,   /* libjpeg warned (e.g. premature end of data); treated as an error */
    JPEGC_ERR_BUFFER = -3,    /* output buffer too small */
    JPEGC_ERR_ARGUMENT = -4
};

#define JPEGC_MSG_LEN 200

/* Reads only the header. scale_denom in {1,2,4,8} gives the DCT-scaled output size. */
int jpegc_header(const uint8_t *data, size_t size, int scale_denom, int *width, int *height, int *components,
                 char msg[JPEGC_MSG_LEN]);

/* Decodes to gray into `out` (capacity bytes, rows packed at `width`). */
int jpegc_decode_gray(const uint8_t *data, size_t size, int scale_denom, jpegc_gray_mode mode, uint8_t *out,
                      size_t capacity, int *width, int *height, char msg[JPEGC_MSG_LEN]);

/* Decodes to packed RGB (3 bytes a pixel). */
int jpegc_decode_rgb(const uint8_t *data, size_t size, uint8_t *out, size_t capacity, int *width, int *height,
                     char msg[JPEGC_MSG_LEN]);

/* Encodes `components` (1 = gray, 3 = RGB) packed pixels; *out is malloc'ed, free with jpegc_free. */
int jpegc_encode(const uint8_t *pixels, int width, int height, int components, int quality, uint8_t **out,
                 size_t *out_size, char msg[JPEGC_MSG_LEN]);
void jpegc_free(void *p);
