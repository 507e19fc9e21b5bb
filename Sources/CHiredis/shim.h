#ifndef SWERVE_CHIREDIS_SHIM_H
#define SWERVE_CHIREDIS_SHIM_H
// Debian's hiredis 0.14 (libhiredis-dev). Imported only by the Redis module,
// which uses the synchronous API on its own threads (see RedisConnection.swift).
#include <hiredis/hiredis.h>

// Swift imports `char errstr[128]` as a 128-element tuple; this hands back a
// plain C string so the caller can build a message without tuple tricks.
static inline const char *swerve_redis_errstr(const redisContext *c) {
    return c->errstr;
}
#endif
