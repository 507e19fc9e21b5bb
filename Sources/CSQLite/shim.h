#ifndef SWERVE_CSQLITE_SHIM_H
#define SWERVE_CSQLITE_SHIM_H
// Debian's SQLite 3 (libsqlite3-dev). Imported only by the Batch module,
// which embeds it for `swerve batch run --db sqlite:///…`. No helpers: the
// Batch module sends SQL text with escaped literals, so nothing needs the
// SQLITE_TRANSIENT macro Swift cannot import.
#include <sqlite3.h>
#endif
