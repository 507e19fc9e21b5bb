#ifndef SWERVE_CHTTPPARSER_SHIM_H
#define SWERVE_CHTTPPARSER_SHIM_H
// Debian's http-parser (libhttp-parser-dev). Imported only by the REST module.
#include <http_parser.h>
#endif
