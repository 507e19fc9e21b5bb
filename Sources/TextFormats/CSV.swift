#if canImport(Glibc)
import Glibc
#endif

/// Why bytes are not a CSV record: what was wrong and where.
public struct CSVError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// 1-based line on which the record starts.
    public let line: Int
    public var description: String { "line \(line): \(message)" }

    public init(message: String, line: Int) {
        self.message = message
        self.line = line
    }
}

/// The fields of one CSV record, unescaped, in storage reused from record to
/// record (a reader fills the same value again, so parsing a file allocates
/// only when a record is longer than any before it).
public struct CSVFields {
    /// Field bytes back to back, each followed by a NUL so `strtod` can read it in place.
    private var storage: [UInt8] = []
    /// `ends[i]` is the offset of field i's NUL in `storage`.
    private var ends: [Int] = []

    public init() {}

    /// How many fields the record has.
    public var count: Int { ends.count }

    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    mutating func append(_ byte: UInt8) { storage.append(byte) }

    mutating func append(contentsOf bytes: UnsafeRawBufferPointer) { storage.append(contentsOf: bytes) }

    mutating func endField() {
        ends.append(storage.count)
        storage.append(0)
    }

    private func start(of index: Int) -> Int { index == 0 ? 0 : ends[index - 1] + 1 }

    /// Field `index`'s bytes (without the NUL).
    public func withField<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = start(of: index), end = ends[index]
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Field `index` as text.
    public func string(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Field `index` as a number, or nil when it is not one whole number
    /// (surrounding blanks allowed, as `float()` in Python allows them).
    /// `nan`, `inf` and `-inf` are numbers, as they are to numpy and pandas.
    public func double(_ index: Int) -> Double? {
        let start = start(of: index), end = ends[index]
        if start == end { return nil }
        return storage.withUnsafeBytes { raw -> Double? in
            NumberText.double(raw.baseAddress!.assumingMemoryBound(to: CChar.self) + start)
        }
    }
}

/// Reads RFC 4180 CSV: fields separated by commas, records by LF or CRLF,
/// fields optionally quoted with `"` (a doubled `""` inside stands for one
/// quote, and a quoted field may hold commas and line breaks).
public enum CSVParser {
    /// Parses the record that starts at `start` into `fields`.
    ///
    /// Returns the offset just past the record's line break, or nil when the
    /// bytes end before the record does and `isFinal` is false (the caller
    /// reads more and calls again from the same `start`). With `isFinal`, the
    /// end of the bytes ends the last record; an open quote there is an error.
    public static func parseRecord(
        _ bytes: UnsafeRawBufferPointer, from start: Int, isFinal: Bool, line: Int, into fields: inout CSVFields
    ) throws(CSVError) -> Int? {
        fields.removeAll()
        var position = start
        let count = bytes.count
        while true {
            if position < count && bytes[position] == UInt8(ascii: "\"") {
                position += 1
                var closed = false
                while position < count {
                    let c = bytes[position]
                    if c == UInt8(ascii: "\"") {
                        if position + 1 < count && bytes[position + 1] == UInt8(ascii: "\"") {
                            fields.append(c)
                            position += 2
                            continue
                        }
                        if position + 1 == count && !isFinal { return nil }
                        position += 1
                        closed = true
                        break
                    }
                    fields.append(c)
                    position += 1
                }
                if !closed {
                    if isFinal { throw CSVError(message: "a quoted field is never closed", line: line) }
                    return nil
                }
                if position < count {
                    let c = bytes[position]
                    if c != UInt8(ascii: ",") && c != 0x0A && c != 0x0D {
                        throw CSVError(message: "unexpected character after a closing quote", line: line)
                    }
                }
            } else {
                let fieldStart = position
                while position < count {
                    let c = bytes[position]
                    if c == UInt8(ascii: ",") || c == 0x0A || c == 0x0D { break }
                    if c == UInt8(ascii: "\"") {
                        throw CSVError(message: "a quote inside an unquoted field", line: line)
                    }
                    position += 1
                }
                fields.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[fieldStart..<position]))
            }
            fields.endField()
            if position == count {
                return isFinal ? position : nil
            }
            let c = bytes[position]
            if c == UInt8(ascii: ",") {
                position += 1
                continue
            }
            // Line break: LF, or CR LF (a lone CR at the end of the bytes may still be followed by LF).
            if c == 0x0D {
                if position + 1 == count { return isFinal ? count : nil }
                if bytes[position + 1] == 0x0A { return position + 2 }
                return position + 1
            }
            return position + 1
        }
    }

    /// True when a record holds no field or one empty field (a blank line).
    public static func isBlank(_ fields: CSVFields) -> Bool {
        fields.count == 0 || (fields.count == 1 && fields.withField(0) { $0.isEmpty })
    }
}

/// Reads the records of a CSV file one by one in chunks, so memory stays the
/// size of the longest record whatever the file's size.
public final class CSVFileReader {
    private let chunks: FileChunkBuffer
    /// 1-based line on which the next record starts.
    public private(set) var line = 1
    /// The path it reads, for messages.
    public var path: String { chunks.path }
    /// Bytes of the file read into records so far (progress reports).
    public var bytesConsumed: Int { chunks.consumed }

    /// Opens `path` for reading; `"-"` reads standard input.
    public init(path: String, chunkSize: Int = 1 << 16) throws(CSVError) {
        guard let chunks = FileChunkBuffer(path: path, chunkSize: chunkSize) else {
            throw CSVError(message: "cannot open \(path): \(String(cString: strerror(errno)))", line: 0)
        }
        self.chunks = chunks
    }

    /// Reads the next record into `fields`; false at the end of the file.
    /// Blank lines are records too (one empty field): callers decide.
    public func next(into fields: inout CSVFields) throws(CSVError) -> Bool {
        while true {
            if chunks.isExhausted { return false }
            let atEOF = chunks.atEOF
            let parsed: Result<Int?, CSVError> = chunks.withUnread { raw in
                do {
                    return .success(try CSVParser.parseRecord(raw, from: 0, isFinal: atEOF, line: line, into: &fields))
                } catch let error as CSVError {
                    return .failure(error)
                } catch {
                    return .failure(CSVError(message: "\(error)", line: line))
                }
            }
            if let consumed = try parsed.get() {
                chunks.withUnread { raw in
                    for b in raw[0..<consumed] where b == 0x0A { line += 1 }
                }
                chunks.consume(consumed)
                return true
            }
            if let failure = chunks.fill() { throw CSVError(message: "reading \(path): \(failure)", line: line) }
        }
    }
}

/// Appends CSV text to a byte buffer: fields are quoted only when they must be.
public struct CSVWriter {
    public var bytes: [UInt8]
    private var atRecordStart = true

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    private mutating func separator() {
        if !atRecordStart { bytes.append(UInt8(ascii: ",")) }
        atRecordStart = false
    }

    /// A text field, quoted when it holds a comma, a quote or a line break.
    public mutating func field(_ text: String) {
        separator()
        var text = text
        text.withUTF8 { utf8 in
            let needsQuotes = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            if !needsQuotes {
                bytes.append(contentsOf: utf8)
                return
            }
            bytes.append(UInt8(ascii: "\""))
            for c in utf8 {
                if c == UInt8(ascii: "\"") { bytes.append(c) }
                bytes.append(c)
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// A field written as it is (numbers the caller has formatted).
    public mutating func rawField(_ text: StaticString) {
        separator()
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// An integer field.
    public mutating func field(_ value: Int64) {
        separator()
        var text = value.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// A float32 field as the shortest decimal that reads back the same value.
    public mutating func field(_ value: Float) {
        separator()
        var text = Self.numberText(value)
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// A float64 field as the shortest decimal that reads back the same value.
    public mutating func field(_ value: Double) {
        separator()
        var text = Self.numberText(value)
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// A float64 field with `digits` significant digits (`%.{digits}g`).
    public mutating func field(_ value: Double, significantDigits digits: Int) {
        separator()
        if !value.isFinite {
            var text = Self.numberText(value)
            text.withUTF8 { bytes.append(contentsOf: $0) }
            return
        }
        var scratch = [CChar](repeating: 0, count: 48)
        let written = scratch.withUnsafeMutableBufferPointer { out in
            withVaList([Int32(digits), value]) { vsnprintf(out.baseAddress!, out.count, "%.*g", $0) }
        }
        scratch.withUnsafeBytes { bytes.append(contentsOf: $0.prefix(Int(written))) }
    }

    /// Ends the record with LF.
    public mutating func endRecord() {
        bytes.append(0x0A)
        atRecordStart = true
    }

    /// Empties the buffer (after the caller wrote it out), keeping its capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        atRecordStart = true
    }

    /// NaN and the infinities as numpy and pandas read them back.
    static func numberText<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return v.description
    }
}
