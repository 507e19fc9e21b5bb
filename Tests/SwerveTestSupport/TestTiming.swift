import Foundation

/// How much longer than usual the tests wait for other threads and
/// processes: SWERVE_TEST_TIME_SCALE (default 1). The sanitizer runs
/// (scripts/sanitizer-tests.sh) set it, since sanitized code runs several
/// times slower; a bound that still fails there is a hang, not slowness.
public enum TestTiming {
    public static let scale: Double = {
        guard let text = ProcessInfo.processInfo.environment["SWERVE_TEST_TIME_SCALE"], let value = Double(text),
              value.isFinite, value >= 1 else { return 1 }
        return value
    }()

    /// `seconds` stretched by ``scale``.
    public static func scaled(_ seconds: TimeInterval) -> TimeInterval { seconds * scale }
}

/// The environment of a child process whose memory a test measures.
public enum MemoryMeasurement {
    /// Under AddressSanitizer (scripts/sanitizer-tests.sh sets ASAN_OPTIONS)
    /// freed memory waits in a quarantine of up to 256 MB before reuse, which
    /// a peak-RSS bound would take for the program's own growth: this child
    /// runs without it (the other tests keep it, and with it use-after-free
    /// detection). Empty when not under AddressSanitizer.
    public static var childEnvironment: [String: String] {
        guard let options = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] else { return [:] }
        return ["ASAN_OPTIONS": options + ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0"]
    }
}
