#if canImport(Glibc)
import Glibc
#endif

/// Option defaults from the environment: every flag `--some-flag` may be
/// preset with `SWERVE_SOME_FLAG` (containers and docker-compose configure
/// swerve this way); a flag on the command line still wins.
enum EnvironmentDefaults {
    /// `SWERVE_<NAME>` parsed as `T`, or `fallback` when unset or empty. A
    /// value that does not parse stops the program with a message naming
    /// the variable, rather than silently serving with the default.
    static func value<T: LosslessStringConvertible>(_ name: String, _ fallback: T) -> T {
        guard let text = raw(name) else { return fallback }
        guard let parsed = T(text) else {
            fail("SWERVE_\(name)='\(text)' is not a valid \(T.self)")
        }
        return parsed
    }

    /// A comma-separated list (for repeatable flags), or `fallback`.
    static func list(_ name: String, _ fallback: [String] = []) -> [String] {
        guard let text = raw(name) else { return fallback }
        return text.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
    }

    private static func raw(_ name: String) -> String? {
        guard let pointer = getenv("SWERVE_" + name) else { return nil }
        let text = String(cString: pointer)
        return text.isEmpty ? nil : text
    }

    private static func fail(_ message: String) -> Never {
        fputs("swerve: \(message)\n", stderr)
        exit(64) // EX_USAGE, as for a bad command-line flag
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
