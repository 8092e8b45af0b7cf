/* libjpeg wrapped so that no JPEG can terminate the process.
   libjpeg's default error_exit calls exit(); ours longjmps back with the formatted message.
   Warnings (e.g. "Premature end of JPEG file", where libjpeg pads a truncated stream with grey)
   also longjmp: a camera frame with invented pixels is worse than a dropped one. */
#include "jpegcodec.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JPEGC_MSG_LEN];
} codec_error;

static void codec_error_exit(j_common_ptr c) {
    codec_error *e = (codec_error *)c->err;
    char buf[JMSG_LENGTH_MAX];
    c->err->format_message(c, buf);
    snprintf(e->msg, sizeof e->msg, "%s", buf);
    longjmp(e->jump, 1);
}

static void codec_emit_message(j_common_ptr c, int level) {
    if (level >= 0) return; /* trace messages */
    codec_error *e = (codec_error *)c->err;
    char buf[JMSG_LENGTH_MAX];
    c->err->format_message(c, buf);
    snprintf(e->msg, sizeof e->msg, "%s", buf);
    longjmp(e->jump, 2);
}

static void set_msg(char *msg, const char *text) {
    if (msg) snprintf(msg, JPEGC_MSG_LEN, "%s", text);
}

static int valid_scale(int s) { return s == 1 || s == 2 || s == 4 || s == 8; }

/* Shared decode: mode < 0 means RGB out. */
static int decode(const uint8_t *data, size_t size, int scale_denom, int mode, uint8_t *out, size_t capacity,
                  int *width, int *height, int *components, char *msg) {
    if (msg) msg[0] = 0;
    if (!data || size < 2) { set_msg(msg, "not a JPEG: fewer than 2 bytes"); return JPEGC_ERR_CORRUPT; }
    if (data[0] != 0xFF || data[1] != 0xD8) {
        if (msg) snprintf(msg, JPEGC_MSG_LEN, "not a JPEG: starts with 0x%02X 0x%02X, expected 0xFF 0xD8", data[0], data[1]);
        return JPEGC_ERR_CORRUPT;
    }
    if (!valid_scale(scale_denom)) { set_msg(msg, "scale_denom must be 1, 2, 4 or 8"); return JPEGC_ERR_ARGUMENT; }

    struct jpeg_decompress_struct cinfo;
    codec_error err;
    memset(&err, 0, sizeof err);
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = codec_error_exit;
    err.pub.emit_message = codec_emit_message;
    uint8_t *volatile row = NULL;
    int jr = setjmp(err.jump);
    if (jr) {
        free(row);
        jpeg_destroy_decompress(&cinfo);
        if (msg) snprintf(msg, JPEGC_MSG_LEN, "%s", err.msg);
        return jr == 2 ? JPEGC_ERR_WARNING : JPEGC_ERR_CORRUPT;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    int opencv = 0;
    if (mode < 0) cinfo.out_color_space = JCS_RGB;
    else if (mode == JPEGC_GRAY_OPENCV_BGR && cinfo.num_components == 3) { cinfo.out_color_space = JCS_RGB; opencv = 1; }
    else cinfo.out_color_space = JCS_GRAYSCALE;
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned)scale_denom;
    jpeg_calc_output_dimensions(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height;
    if (width) *width = w;
    if (height) *height = h;
    if (components) *components = cinfo.num_components;
    if (!out) { jpeg_destroy_decompress(&cinfo); return JPEGC_OK; }

    size_t out_comp = mode < 0 ? 3 : 1;
    if ((size_t)w * (size_t)h * out_comp > capacity) {
        jpeg_destroy_decompress(&cinfo);
        if (msg) snprintf(msg, JPEGC_MSG_LEN, "output buffer holds %zu bytes, image needs %zu", capacity,
                          (size_t)w * (size_t)h * out_comp);
        return JPEGC_ERR_BUFFER;
    }
    jpeg_start_decompress(&cinfo);
    if (opencv) {
        row = malloc((size_t)w * 3);
        if (!row) { jpeg_destroy_decompress(&cinfo); set_msg(msg, "out of memory"); return JPEGC_ERR_CORRUPT; }
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *dst = out + (size_t)cinfo.output_scanline * (size_t)w * out_comp;
        if (opencv) {
            JSAMPROW r = row;
            jpeg_read_scanlines(&cinfo, &r, 1);
            /* OpenCV cvtColor(BGR2GRAY) for 8-bit: fixed point with 15 fractional bits. */
            for (int x = 0; x < w; x++) {
                unsigned R = row[3 * x], G = row[3 * x + 1], B = row[3 * x + 2];
                dst[x] = (uint8_t)((B * 3735u + G * 19235u + R * 9798u + 16384u) >> 15);
            }
        } else {
            JSAMPROW r = dst;
            jpeg_read_scanlines(&cinfo, &r, 1);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    return JPEGC_OK;
}

int jpegc_header(const uint8_t *data, size_t size, int scale_denom, int *width, int *height, int *components,
                 char msg[JPEGC_MSG_LEN]) {
    return decode(data, size, scale_denom, JPEGC_GRAY_LUMA, NULL, 0, width, height, components, msg);
}

int jpegc_decode_gray(const uint8_t *data, size_t size, int scale_denom, jpegc_gray_mode mode, uint8_t *out,
                      size_t capacity, int *width, int *height, char msg[JPEGC_MSG_LEN]) {
    if (!out) { set_msg(msg, "no output buffer"); return JPEGC_ERR_ARGUMENT; }
    return decode(data, size, scale_denom, (int)mode, out, capacity, width, height, NULL, msg);
}

int jpegc_decode_rgb(const uint8_t *data, size_t size, uint8_t *out, size_t capacity, int *width, int *height,
                     char msg[JPEGC_MSG_LEN]) {
    if (!out) { set_msg(msg, "no output buffer"); return JPEGC_ERR_ARGUMENT; }
    return decode(data, size, 1, -1, out, capacity, width, height, NULL, msg);
}

int jpegc_encode(const uint8_t *pixels, int width, int height, int components, int quality, uint8_t **out,
                 size_t *out_size, char msg[JPEGC_MSG_LEN]) {
    if (msg) msg[0] = 0;
    if (!pixels || !out || !out_size || width <= 0 || height <= 0 || (components != 1 && components != 3) ||
        quality < 1 || quality > 100) {
        set_msg(msg, "encode: invalid arguments (need pixels, width/height > 0, 1 or 3 components, quality 1-100)");
        return JPEGC_ERR_ARGUMENT;
    }
    struct jpeg_compress_struct cinfo;
    codec_error err;
    memset(&err, 0, sizeof err);
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = codec_error_exit;
    unsigned char *volatile buf = NULL;
    unsigned long len = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buf);
        if (msg) snprintf(msg, JPEGC_MSG_LEN, "%s", err.msg);
        return JPEGC_ERR_CORRUPT;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *b = NULL;
    jpeg_mem_dest(&cinfo, &b, &len);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW r = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)width * (size_t)components);
        jpeg_write_scanlines(&cinfo, &r, 1);
    }
    jpeg_finish_compress(&cinfo);
    buf = b;
    jpeg_destroy_compress(&cinfo);
    *out = buf;
    *out_size = len;
    return JPEGC_OK;
}

void jpegc_free(void *p) { free(p); }
