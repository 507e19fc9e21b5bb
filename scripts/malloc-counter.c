/*
 * Heap allocations of a process, counted from outside it.
 *
 * Built and preloaded by scripts/profile.sh (LD_PRELOAD=malloc-counter.so).
 * Every malloc, calloc, realloc, aligned_alloc, posix_memalign and memalign
 * adds one to a 64-bit counter kept in a shared page,
 * /dev/shm/swerve-mallocs.<pid>; `swerve-bench --server-pid PID` reads it
 * before and after its measured window and reports allocations per request.
 * The file goes away when the process exits normally.
 *
 * Not part of swerve: a measuring tool, like perf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

/* Allocations made before the constructor maps the page (the loader's own)
 * count here and are carried over. */
static _Atomic uint64_t early_count;
static _Atomic uint64_t *counter = &early_count;
static char counter_path[64];

__attribute__((constructor)) static void map_counter(void) {
    snprintf(counter_path, sizeof counter_path, "/dev/shm/swerve-mallocs.%d", (int)getpid());
    int fd = open(counter_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    if (ftruncate(fd, sizeof(uint64_t)) == 0) {
        void *page = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (page != MAP_FAILED) {
            atomic_store((_Atomic uint64_t *)page, atomic_load(&early_count));
            counter = page;
        }
    }
    close(fd);
}

__attribute__((destructor)) static void remove_counter(void) {
    if (counter != &early_count) unlink(counter_path);
}

static inline void count_one(void) {
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

void *malloc(size_t size) {
    count_one();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    count_one();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    count_one();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    count_one();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count_one();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    /* The same checks as glibc's: a power of two, a multiple of a pointer. */
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    count_one();
    void *memory = __libc_memalign(alignment, size);
    if (memory == NULL) return ENOMEM;
    *result = memory;
    return 0;
}
