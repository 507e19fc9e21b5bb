/// A parsed JSON value. Objects keep their members in document order (a
/// request object has a handful of keys, so a linear search beats hashing).
///
/// Numbers keep their text, so each is converted exactly once to the type
/// the model wants: `Float(text)` rounds the decimal straight to float32
/// (parsing to Double first could round twice).
public enum JSON: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    /// The member named `key` of an object (the last one if repeated).
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == key })?.1
    }

    /// A short name of the value's kind for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }
}

/// A JSON number token, converted on demand.
public struct JSONNumber: Sendable {
    /// The token exactly as written (validated JSON number grammar).
    public let text: String
    /// True when the token has no fraction and no exponent.
    public let isInteger: Bool

    public init(text: String, isInteger: Bool) {
        self.text = text
        self.isInteger = isInteger
    }

    public var double: Double { Double(text) ?? .nan }
    public var float: Float { Float(text) ?? .nan }
    /// The value as Int64 when it is an integer token in range.
    public var int64: Int64? { isInteger ? Int64(text) : nil }
    /// The value as a Float, or nil when it is too large for one (`1e999`,
    /// a 400-digit integer, `3.5e38`), which would otherwise become infinity.
    /// Values too small for a Float round to zero or a subnormal, as
    /// strtof rounds them.
    public var finiteFloat: Float? { float.isFinite ? float : nil }
    /// The value as a Double, or nil when it is too large for one (it would become infinity).
    public var finiteDouble: Double? { double.isFinite ? double : nil }
}

/// Why a document is not JSON: what was expected and the byte offset.
public struct JSONError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "malformed JSON at byte \(offset): \(message)" }
}

/// A strict RFC 8259 parser over bytes. Nesting is limited (hostile input
/// must not exhaust the stack); the caller bounds the input size.
public struct JSONParser {
    /// Deepest nesting accepted.
    public static let maxDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    /// Parses one JSON document (surrounding whitespace allowed).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSON {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position != bytes.count { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    /// Parses a JSON document held in a string (tests, small inputs).
    public static func parse(_ text: String) throws(JSONError) -> JSON {
        let copy = Array(text.utf8)
        let result: Result<JSON, JSONError> = copy.withUnsafeBytes { raw in
            do { return .success(try parse(raw)) } catch let e as JSONError { return .failure(e) } catch { return .failure(JSONError(message: "\(error)", offset: 0)) }
        }
        return try result.get()
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private func error(_ message: String) -> JSONError { JSONError(message: message, offset: position) }

    @inline(__always) private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSON {
        guard let c = current else { throw error("unexpected end of input, expected a value") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character '\(Self.printable(c))', expected a value")
        }
    }

    private static func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\u{\(String(c, radix: 16))}"
    }

    private mutating func expectWord(_ word: String) throws(JSONError) {
        let utf8 = Array(word.utf8)
        guard position + utf8.count <= bytes.count else { throw error("unexpected end of input in '\(word)'") }
        for i in 0..<utf8.count where bytes[position + i] != utf8[i] {
            throw error("invalid literal, expected '\(word)'")
        }
        position += utf8.count
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSON {
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
        position += 1
        var members: [(String, JSON)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key in an object") }
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after an object key") }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSON {
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
        position += 1
        var elements: [JSON] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    @inline(__always) private var atDigit: Bool {
        guard let c = current else { return false }
        return c >= 0x30 && c <= 0x39
    }

    private mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = position
        var integer = true
        if current == UInt8(ascii: "-") { position += 1 }
        guard atDigit else { throw error("expected a digit in a number") }
        if current == 0x30 {
            position += 1
        } else {
            while atDigit { position += 1 }
        }
        if current == UInt8(ascii: ".") {
            integer = false
            position += 1
            guard atDigit else { throw error("expected a digit after '.'") }
            while atDigit { position += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integer = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard atDigit else { throw error("expected a digit in an exponent") }
            while atDigit { position += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        return JSONNumber(text: text, isInteger: integer)
    }

    private mutating func parseString() throws(JSONError) -> String {
        position += 1 // opening quote
        let start = position
        // Fast path: no escapes.
        while let c = current {
            if c == UInt8(ascii: "\"") {
                let s = try validated(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
                position += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character in a string") }
            position += 1
        }
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard let c = current else { throw error("unterminated string") }
            if c == UInt8(ascii: "\"") {
                position += 1
                let result: Result<String, JSONError> = out.withUnsafeBytes { raw in
                    do { return .success(try validated(raw)) } catch let e as JSONError { return .failure(e) } catch { return .failure(JSONError(message: "\(error)", offset: 0)) }
                }
                return try result.get()
            }
            if c < 0x20 { throw error("control character in a string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                position += 1
                continue
            }
            position += 1
            guard let e = current else { throw error("unterminated escape") }
            position += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired UTF-16 surrogate in a \\u escape")
                    }
                    position += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid UTF-16 low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("unpaired UTF-16 surrogate in a \\u escape")
                }
                guard let unicode = UnicodeScalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw error("invalid escape '\\\(Self.printable(e))'")
            }
        }
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    private func validated(_ slice: UnsafeRawBufferPointer) throws(JSONError) -> String {
        // Pure ASCII (the common case) needs no validation.
        var ascii = true
        for b in slice where b >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: slice, as: UTF8.self) }
        guard let s = String(validating: slice, as: UTF8.self) else { throw error("string is not valid UTF-8") }
        return s
    }
}
