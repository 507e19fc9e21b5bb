#ifndef SWERVE_CHIREDIS_SHIM_H
#define SWERVE_CHIREDIS_SHIM_H
// Debian's hiredis 0.14 (libhiredis-dev). Imported only by the Jobs module.
#include <hiredis/hiredis.h>
#endif
