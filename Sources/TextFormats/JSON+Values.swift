/// Typed reads of parsed values for settings files (config.json and the
/// like), where a key's value is checked and an error quotes what was found.
extension JSON {
    /// The value as Int64: an integer token in range, or a number written
    /// with a fraction or exponent whose value is a whole number (`2.0`, `1e3`).
    public var int64Value: Int64? {
        guard case .number(let n) = self else { return nil }
        if let exact = n.int64 { return exact }
        let d = n.double
        // 2^63 is exactly representable; anything at or above it does not fit.
        guard d.isFinite, d == d.rounded(), d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else { return nil }
        return Int64(d)
    }

    /// The boolean, or nil when this is not `true`/`false`.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The members of an object in document order, or nil when this is not one.
    public var objectMembers: [(String, JSON)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value for an error message: short scalars as written (strings
    /// quoted, cut at 40 characters), containers by kind (`an array`).
    public var shortDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .number(let n): return n.text
        case .string(let s): return "\"\(s.prefix(40))\""
        case .array, .object: return kindName
        }
    }
}

extension JSON: Equatable {
    /// Structural equality: numbers compare by value (`1` == `1.0`), objects
    /// by their members in order (settings are compared to notice a change,
    /// where a reordered file may count as changed).
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a.text == b.text || a.double == b.double
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}
