#ifndef SWERVE_CCAIRO_SHIM_H
#define SWERVE_CCAIRO_SHIM_H
// Debian's cairo (libcairo2-dev): image surfaces and PNG output only, no X11.
// Imported only by the Plotting module.
#include <cairo.h>
#endif
