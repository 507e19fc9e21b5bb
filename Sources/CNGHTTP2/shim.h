#ifndef SWERVE_CNGHTTP2_SHIM_H
#define SWERVE_CNGHTTP2_SHIM_H
// Debian's nghttp2 (libnghttp2-dev): the HTTP/2 framing under gRPC.
// Imported only by the GRPC module, which drives a server session with
// nghttp2_session_mem_recv / mem_send over a Transport StreamConnection.
#include <nghttp2/nghttp2.h>
#endif
