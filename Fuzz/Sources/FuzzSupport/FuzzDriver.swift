import CLibFuzzer
#if canImport(Glibc)
import Glibc
#endif

/// Runs libFuzzer over one target's entry point with the process's
/// arguments (`-max_total_time=…`, corpus directories, input files).
public enum FuzzDriver {
    /// `prepare` builds what every input shares (models, servers) before the
    /// first input, so its cost is not charged to that input's 1 s timeout.
    /// What it allocates lives as long as the process and is exempt from leak
    /// checks: a loaded model holds some arrays only through Swift enum
    /// payloads whose pointers carry the case tag in their spare high bits,
    /// which LeakSanitizer cannot follow, so it would report them as leaked
    /// on every check (and symbolizing that report takes seconds).
    /// Never returns: libFuzzer exits with its own status.
    public static func run(prepare: () -> Void = {},
                           _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        __lsan_disable()
        prepare()
        __lsan_enable()
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }
}
