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
