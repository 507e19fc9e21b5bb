#ifndef SWERVE_CUV_SHIM_H
#define SWERVE_CUV_SHIM_H
// The libuv headers plus the few static inline helpers Swift cannot express.
#include <uv.h>
#endif
