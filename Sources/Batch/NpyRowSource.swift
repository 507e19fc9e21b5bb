#if canImport(Glibc)
import Glibc
#endif

/// A NumPy `.npy` file holding a 2-D float32 or float64 array in C order
/// (what `np.save` writes for a feature matrix); rows are numbered.
final class NpyRowSource: RowSource {
    let path: String
    let idName = "row"
    let featureNames: [String]
    let header: NpyHeader
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var rowsRead = 0

    init(path: String, selection: ColumnSelection) throws(BatchError) {
        self.path = path
        if selection.idColumn != nil || selection.columns != nil {
            throw BatchError("\(path): a .npy array has no column names; --id-column and --columns apply to CSV and JSON Lines")
        }
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BatchError("cannot open \(path): \(String(cString: strerror(errno)))") }
        do {
            header = try NpyHeader.read(from: descriptor, path: path)
        } catch {
            close(descriptor)
            throw error
        }
        featureNames = (0..<header.columns).map(String.init)
    }

    deinit { close(descriptor) }

    var fractionRead: Double? { header.rows > 0 ? Double(rowsRead) / Double(header.rows) : nil }

    func fill(_ chunk: inout FeatureChunk, maxRows: Int, reject: (BadRow) throws -> Void) throws -> Bool {
        chunk.removeAll()
        let rows = min(maxRows, header.rows - rowsRead)
        guard rows > 0 else { return false }
        let byteCount = rows * header.columns * header.elementSize
        if buffer.count < byteCount { buffer = [UInt8](repeating: 0, count: byteCount) }
        var filled = 0
        while filled < byteCount {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, byteCount - filled) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw BatchError("reading \(path): \(String(cString: strerror(errno)))") }
            if got == 0 {
                let whole = (rowsRead * header.columns * header.elementSize + filled) / (header.columns * header.elementSize)
                throw BatchError("\(path) ends after \(whole) rows; its header declares \(header.rows)")
            }
            filled += got
        }
        let count = rows * header.columns
        buffer.withUnsafeBytes { raw in
            if header.elementSize == 4 {
                for i in 0..<count { chunk.features.append(Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))))) }
            } else {
                for i in 0..<count { chunk.features.append(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
            }
        }
        for row in rowsRead..<(rowsRead + rows) { chunk.ids.append(.row(row)) }
        rowsRead += rows
        return true
    }
}

/// The header of a `.npy` file (format versions 1–3): a magic string, the
/// version, a length, then a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (100, 4), }`.
struct NpyHeader: Sendable, Equatable {
    let elementSize: Int
    let rows: Int
    let columns: Int

    /// Reads the header from `descriptor`, leaving it at the first data byte.
    static func read(from descriptor: Int32, path: String) throws(BatchError) -> NpyHeader {
        var prefix = [UInt8](repeating: 0, count: 12)
        guard readFully(descriptor, &prefix, 10) else { throw BatchError("\(path) is not a .npy file (too short)") }
        guard prefix[0] == 0x93, Array(prefix[1..<6]) == Array("NUMPY".utf8) else {
            throw BatchError("\(path) is not a .npy file (no \\x93NUMPY magic)")
        }
        let major = prefix[6]
        var length: Int
        switch major {
        case 1:
            length = Int(prefix[8]) | Int(prefix[9]) << 8
        case 2, 3:
            var more = [UInt8](repeating: 0, count: 2)
            guard readFully(descriptor, &more, 2) else { throw BatchError("\(path): truncated .npy header") }
            length = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(more[0]) << 16 | Int(more[1]) << 24
        default:
            throw BatchError("\(path): .npy format version \(major) is not supported (1, 2 or 3)")
        }
        guard length > 0 && length < 1 << 20 else { throw BatchError("\(path): .npy header length \(length) is not plausible") }
        var text = [UInt8](repeating: 0, count: length)
        guard readFully(descriptor, &text, length) else { throw BatchError("\(path): truncated .npy header") }
        return try parse(String(decoding: text, as: UTF8.self), path: path)
    }

    /// Parses the dict literal: `descr`, `fortran_order` and `shape`.
    static func parse(_ dict: String, path: String) throws(BatchError) -> NpyHeader {
        func value(of key: String) -> Substring? {
            guard let range = dict.firstRange(of: "'\(key)':") else { return nil }
            return dict[range.upperBound...].drop(while: { $0 == " " })
        }
        guard let descrText = value(of: "descr"), descrText.first == "'",
              let descr = descrText.dropFirst().split(separator: "'", maxSplits: 1).first else {
            throw BatchError("\(path): the .npy header has no 'descr'")
        }
        let elementSize: Int
        switch descr {
        case "<f4", "=f4": elementSize = 4
        case "<f8", "=f8": elementSize = 8
        default: throw BatchError("\(path): .npy dtype '\(descr)' is not supported; save float32 or float64 (little-endian)")
        }
        if let order = value(of: "fortran_order"), order.hasPrefix("True") {
            throw BatchError("\(path): the array is in Fortran order; save np.ascontiguousarray(x) instead")
        }
        guard let shapeText = value(of: "shape"), shapeText.first == "(",
              let inside = shapeText.dropFirst().split(separator: ")", maxSplits: 1).first else {
            throw BatchError("\(path): the .npy header has no 'shape'")
        }
        let dims = inside.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        guard dims.count == 2, let rows = Int(dims[0]), let columns = Int(dims[1]), rows >= 0, columns > 0 else {
            throw BatchError("\(path): the array has shape (\(inside)); batch scoring reads a 2-D array (rows, features)")
        }
        return NpyHeader(elementSize: elementSize, rows: rows, columns: columns)
    }

    private static func readFully(_ descriptor: Int32, _ bytes: inout [UInt8], _ count: Int) -> Bool {
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, count - filled) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return false }
            filled += got
        }
        return true
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return s
    }
}
