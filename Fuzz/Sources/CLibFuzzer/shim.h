#ifndef SWERVE_CLIBFUZZER_SHIM_H
#define SWERVE_CLIBFUZZER_SHIM_H
// libFuzzer's driver, linked in by -sanitize=fuzzer. SwiftPM gives every
// executable a `main` of its own, which shadows libFuzzer's, so each fuzz
// target's @main hands control to the driver explicitly. Imported only by
// FuzzSupport.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

// LeakSanitizer (linked in by -sanitize=address): allocations made between
// these calls on this thread are never reported as leaks.
void __lsan_disable(void);
void __lsan_enable(void);
#endif
