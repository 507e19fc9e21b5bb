#if canImport(Glibc)
import Glibc
#endif

/// Numbers written as text, read the one way every text input of swerve
/// reads them (CSV fields, SQL text values).
public enum NumberText {
    /// The NUL-terminated text as a number, or nil when it is not one whole
    /// number (surrounding blanks allowed, as `float()` in Python allows
    /// them). `nan`, `inf` and `-inf` are numbers, as they are to numpy and pandas.
    public static func double(_ text: UnsafePointer<CChar>) -> Double? {
        var stop: UnsafeMutablePointer<CChar>?
        let value = strtod(text, &stop)
        guard var rest = stop, rest != UnsafeMutablePointer(mutating: text) else { return nil }
        // strtod skips leading blanks itself; allow trailing ones too.
        while rest.pointee == 0x20 || rest.pointee == 0x09 { rest += 1 }
        return rest.pointee == 0 ? value : nil
    }
}
