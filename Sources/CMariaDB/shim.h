#ifndef SWERVE_CMARIADB_SHIM_H
#define SWERVE_CMARIADB_SHIM_H
// MariaDB Connector/C (libmariadb-dev), which speaks to MySQL and MariaDB
// servers alike. Imported only by the Batch module (`swerve batch run
// --db mysql://…`). pkg-config's include dir is /usr/include/mariadb.
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#endif
