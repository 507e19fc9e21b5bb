#ifndef SWERVE_CUV_SHIM_H
#define SWERVE_CUV_SHIM_H
// The libuv headers plus the few static inline helpers Swift cannot express.
#include <uv.h>
#include <pthread.h>
// Why: timerfd gives PreciseLoopTimer sub-millisecond deadlines (libuv timers
// tick in whole milliseconds); Glibc's Swift module does not export it.
#include <sys/timerfd.h>

// Why: Swift's Glibc module is built without _GNU_SOURCE, which hides
// pthread_setname_np. Named loop threads ("swerve-loop-0") make top, perf and
// gdb output readable. Declared here with glibc's exact signature.
int pthread_setname_np(pthread_t thread, const char *name);
static inline int swerve_name_current_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}

#endif
