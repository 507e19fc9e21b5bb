/// Appends JSON text to a byte buffer. The caller writes the structure
/// (`{`, `,`, …) with ``raw(_:)``; the writer formats scalars. Numbers use
/// the shortest decimal that reads back to the same value (`Float` and
/// `Double` `description`), so float32 outputs round-trip exactly. JSON has
/// no NaN or infinity: those are written as the strings "NaN", "Infinity"
/// and "-Infinity" (the convention of the repository's fixtures).
public struct JSONWriter {
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always) public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always) public mutating func byte(_ b: UInt8) { bytes.append(b) }

    public mutating func null() { raw("null") }

    public mutating func bool(_ v: Bool) { v ? raw("true") : raw("false") }

    public mutating func int(_ v: Int64) {
        if v >= 0 && v < 10 {
            bytes.append(0x30 + UInt8(v))
            return
        }
        var text = v.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func int(_ v: Int) { int(Int64(v)) }

    public mutating func float(_ v: Float) {
        if v.isFinite {
            var text = v.description
            text.withUTF8 { bytes.append(contentsOf: $0) }
        } else {
            nonFinite(v.isNaN, v < 0)
        }
    }

    public mutating func double(_ v: Double) {
        if v.isFinite {
            var text = v.description
            text.withUTF8 { bytes.append(contentsOf: $0) }
        } else {
            nonFinite(v.isNaN, v < 0)
        }
    }

    private mutating func nonFinite(_ nan: Bool, _ negative: Bool) {
        if nan { raw("\"NaN\"") } else if negative { raw("\"-Infinity\"") } else { raw("\"Infinity\"") }
    }

    /// A quoted, escaped string.
    public mutating func string(_ s: String) {
        bytes.append(0x22)
        var s = s
        s.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C { continue }
                if i > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                runStart = i + 1
                switch c {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    raw("\\u00")
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(hex[Int(c >> 4)])
                    bytes.append(hex[Int(c & 0xF)])
                }
            }
            if utf8.count > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count])) }
        }
        bytes.append(0x22)
    }

    /// `"key":`
    public mutating func key(_ k: String) {
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Writes a parsed value back out (tests, echoing parameters).
    public mutating func value(_ v: JSON) {
        switch v {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let n): n.text.utf8.withContiguousStorageIfAvailable { bytes.append(contentsOf: $0) } ?? bytes.append(contentsOf: Array(n.text.utf8))
        case .string(let s): string(s)
        case .array(let a):
            byte(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                value(e)
            }
            byte(UInt8(ascii: "]"))
        case .object(let members):
            byte(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                key(m.0)
                value(m.1)
            }
            byte(UInt8(ascii: "}"))
        }
    }

    /// The text written so far (tests).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
