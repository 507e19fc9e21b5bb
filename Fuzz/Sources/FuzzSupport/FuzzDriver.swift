import CLibFuzzer
#if canImport(Glibc)
import Glibc
#endif

/// Runs libFuzzer over one target's entry point with the process's
/// arguments (`-max_total_time=…`, corpus directories, input files).
public enum FuzzDriver {
    /// `prepare` builds what every input shares (models, servers) before the
    /// first input, so its cost is not charged to that input's 1 s timeout
    /// and its allocations are not mistaken for that input's leaks.
    /// Never returns: libFuzzer exits with its own status.
    public static func run(prepare: () -> Void = {},
                           _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        prepare()
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }
}
