#include <zlib.h>

/* inflateInit2 is a function-like macro (it passes ZLIB_VERSION and sizeof(z_stream)), which Swift
   cannot import. windowBits 15 + 16 accepts a gzip wrapper only (RFC 1952). */
static inline int czlib_inflate_init_gzip(z_streamp stream) { return inflateInit2(stream, 15 + 16); }
