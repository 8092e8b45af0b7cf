#pragma once
/* int8 convolution / matrix kernels with a fused TFLite requantization epilogue and runtime CPU
 * dispatch (x86-64: AVX-512 VNNI, AVX2; arm64: NEON dot product, NEON; portable scalar).
 *
 * Every kernel computes, per output pixel m and channel n,
 *   acc = bias[n] + sum_k (x[m][k] - input_zero_point) * w[n][k]      (padding taps add nothing)
 *   out = clamp(requantize(acc, multiplier[n], shift[n]) + output_zero_point, act_min, act_max)
 * bit-exactly like i8k_ref_conv for any int8 weights (vpdpbusd adds its four u8 x s8 products
 * in 32 bits without saturating, so the x + 128 offset is exact even for w = -128).
 * Prepare once (i8k_conv_create packs the weights), run many (i8k_conv_run allocates nothing). */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Kernel families; i8k_available tells which ones this CPU runs. */
typedef enum {
    I8K_SCALAR = 0,      /* portable C, always available */
    I8K_AVX2 = 1,        /* x86-64 AVX2: vpmaddwd on int16-widened operands */
    I8K_AVX512_VNNI = 2, /* x86-64 AVX-512 VNNI: vpdpbusd on (x + 128) u8 x w s8 */
    I8K_NEON = 3,        /* arm64 NEON: smlal on int16-widened weights */
    I8K_NEON_DOT = 4,    /* arm64 NEON dot product: sdot */
    I8K_KIND_COUNT = 5,
    I8K_BEST = -1        /* the fastest kind available at run time */
} i8k_kind;

int i8k_available(i8k_kind kind);
i8k_kind i8k_best_kind(void);
const char *i8k_kind_name(i8k_kind kind);
const char *i8k_active_kernel_name(void);

/** TFLite's two requantization roundings (see shared/conformance/tflite/README.md). */
typedef enum {
    /* CONV_2D, DEPTHWISE: RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc << l, m), r) */
    I8K_ROUND_DOUBLE = 0,
    /* FULLY_CONNECTED: (acc * m + 2^(30 - shift)) >> (31 - shift) in 64 bits, saturated */
    I8K_ROUND_SINGLE_Q31 = 1
} i8k_rounding;

/** Per-output-channel requantization; arrays have out_c entries and are copied at create. */
typedef struct {
    const int32_t *bias;       /* may be NULL (no bias) */
    const int32_t *multiplier; /* Q31 quantized multiplier, >= 0 */
    const int32_t *shift;      /* TFLite exponent: > 0 shifts left, < 0 right; <= 30 */
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t act_min, act_max; /* clamp after adding output_zero_point, within [-128, 127] */
    i8k_rounding rounding;
    /* Optional [out_c][256] table applied after the clamp: out = post_table[n][out + 128]. It fuses
     * a following elementwise op with a per-channel constant operand (see i8k_channel_lut). */
    const int8_t *post_table;
} i8k_requant;

/** Convolution geometry: NHWC input/output, OHWI weights. A fully connected layer of K inputs
 *  and N outputs is the 1x1 conv of a 1x1xK image (see i8k_fc_geometry). */
typedef struct {
    int in_h, in_w, in_c;
    int out_h, out_w, out_c;
    int kernel_h, kernel_w;
    int stride_h, stride_w;
    int dilation_h, dilation_w;
    int pad_top, pad_left; /* bottom/right padding follows from out_h/out_w */
} i8k_conv_geometry;

i8k_conv_geometry i8k_fc_geometry(int in_features, int out_features);
/** 0 when the geometry is consistent, else a negative code naming the bad field (see .c). */
int i8k_conv_geometry_check(const i8k_conv_geometry *g);

/** Worker threads for i8k_conv_run; the calling thread is one of them. */
typedef struct i8k_pool i8k_pool;
i8k_pool *i8k_pool_create(int threads);
void i8k_pool_destroy(i8k_pool *pool);
int i8k_pool_threads(const i8k_pool *pool);

/** A prepared convolution: packed weights and folded per-channel constants. */
typedef struct i8k_conv i8k_conv;
/** NULL on a bad geometry, an unavailable kind or out of memory. */
i8k_conv *i8k_conv_create(const i8k_conv_geometry *g, const int8_t *weights_ohwi,
                          const i8k_requant *rq, i8k_kind kind);
void i8k_conv_destroy(i8k_conv *conv);
i8k_kind i8k_conv_kind(const i8k_conv *conv);
/** Puts a VALID MAX_POOL_2D (no padding; windows clipped at the bottom/right edge) in front of the
 *  convolution: i8k_conv_run then reads the pool's input [batch][src_h][src_w][in_c] and pools
 *  while it fills its padded buffer, instead of a separate pass. The conv's in_h x in_w must be
 *  the pool's output size. 0 on success, negative on inconsistent arguments. */
int i8k_conv_fuse_max_pool(i8k_conv *conv, int src_h, int src_w, int filter_h, int filter_w, int stride_h,
                           int stride_w, int32_t act_min, int32_t act_max);
/** Bytes of scratch i8k_conv_run needs for `batch` images (64-byte aligned pointer advised). */
size_t i8k_conv_workspace_size(const i8k_conv *conv, int batch);
/** input [batch][in_h][in_w][in_c] -> output [batch][out_h][out_w][out_c]. pool may be NULL. */
void i8k_conv_run(const i8k_conv *conv, const int8_t *input, int batch, int8_t *output,
                  void *workspace, i8k_pool *pool);

/** A prepared DEPTHWISE_CONV_2D (portable C; weights [kernel_h][kernel_w][out_c] as TFLite's
 *  [1, kh, kw, in_c * depth_multiplier]; out_c = in_c * depth_multiplier). NULL on bad arguments. */
typedef struct i8k_depthwise i8k_depthwise;
i8k_depthwise *i8k_depthwise_create(const i8k_conv_geometry *g, int depth_multiplier, const int8_t *weights,
                                    const i8k_requant *rq);
void i8k_depthwise_destroy(i8k_depthwise *dw);
size_t i8k_depthwise_workspace_size(const i8k_depthwise *dw);
void i8k_depthwise_run(const i8k_depthwise *dw, const int8_t *input, int batch, int8_t *output, void *workspace);

/** The scalar reference: plain loops, written for clarity; every kind must match it exactly. */
void i8k_ref_conv(const i8k_conv_geometry *g, const int8_t *weights_ohwi, const i8k_requant *rq,
                  const int8_t *input, int batch, int8_t *output);
/** Scalar TFLite requantization of one accumulator (the rule every kernel reproduces). */
int32_t i8k_requantize(int32_t acc, int32_t multiplier, int32_t shift, i8k_rounding rounding);

/** MAX_POOL_2D on int8 NHWC, VALID windows only (pad 0), any stride. */
void i8k_max_pool(const int8_t *input, int batch, int in_h, int in_w, int channels, int filter_h,
                  int filter_w, int stride_h, int stride_w, int out_h, int out_w,
                  int32_t act_min, int32_t act_max, int8_t *output);

/** Elementwise map through per-channel tables: out[p][c] = table[c][in[p][c] + 128].
 *  Any int8 op whose other operand is a per-channel constant (MUL/ADD by a [C] vector) is such
 *  a map, built exactly by evaluating the reference op on all 256 inputs. */
void i8k_channel_lut(const int8_t *input, size_t pixels, int channels, const int8_t *table,
                     int8_t *output);

/** Measures the VNNI (or AVX2) int8 multiply-accumulate peak of one core in GMAC/s by
 *  timing independent dependency chains for about `seconds`; 0 for other kinds. */
double i8k_measure_peak_gmacs(i8k_kind kind, double seconds);

#ifdef __cplusplus
}
#endif
