#include <zlib.h>

/* inflateInit2 is a function-like macro (it passes ZLIB_VERSION and sizeof(z_stream)), which Swift
   cannot import. windowBits 15 + 32 detects the gzip (RFC 1952) or zlib (RFC 1950) wrapper. */
static inline int czlib_inflate_init_auto(z_streamp stream) { return inflateInit2(stream, 15 + 32); }
