#ifndef SWERVE_CZLIB_SHIM_H
#define SWERVE_CZLIB_SHIM_H
// Debian's zlib (zlib1g-dev): gRPC's `grpc-encoding: gzip`. Imported only by
// the GRPC module.
#include <zlib.h>

// inflateInit2 is a macro that passes zlib's version and the stream's size,
// which Swift cannot import; this hands them through. 16 + MAX_WBITS selects
// the gzip wrapper, as grpc-encoding gzip requires.
static inline int swerve_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
#endif
