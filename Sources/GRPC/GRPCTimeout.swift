/// The `grpc-timeout` header: at most 8 ASCII digits and a unit (`H`, `M`,
/// `S`, `m`, `u`, `n`), the caller's deadline from when the call was sent.
enum GRPCTimeout {
    /// Milliseconds (rounded up, so a short timeout never becomes "none"),
    /// capped at `UInt32.max`; nil when `text` is not a valid timeout.
    static func milliseconds(_ text: String) -> UInt32? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8.count <= 9, let unit = utf8.last else { return nil }
        var value: UInt64 = 0
        for digit in utf8.dropLast() {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        let nanoseconds: UInt64
        switch unit {
        case UInt8(ascii: "H"): nanoseconds = 3_600_000_000_000
        case UInt8(ascii: "M"): nanoseconds = 60_000_000_000
        case UInt8(ascii: "S"): nanoseconds = 1_000_000_000
        case UInt8(ascii: "m"): nanoseconds = 1_000_000
        case UInt8(ascii: "u"): nanoseconds = 1_000
        case UInt8(ascii: "n"): nanoseconds = 1
        default: return nil
        }
        let (total, overflow) = value.multipliedReportingOverflow(by: nanoseconds)
        if overflow { return UInt32.max }
        let ms = (total + 999_999) / 1_000_000
        return ms > UInt64(UInt32.max) ? UInt32.max : max(1, UInt32(ms))
    }
}
